package topics_test

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/topics"
)

// verifySignature checks a notification the way an MNS receiver does (the
// Go and Python SDK samples): fetch the certificate named by
// x-mns-signing-cert-url, rebuild the string to sign from the request, and
// verify Authorization, an RSA-SHA1 signature, with the certificate's key.
func verifySignature(r received) error {
	certURL, err := base64.StdEncoding.DecodeString(r.Header.Get("x-mns-signing-cert-url"))
	if err != nil {
		return fmt.Errorf("x-mns-signing-cert-url: %w", err)
	}
	resp, err := http.Get(string(certURL))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	certPEM, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return fmt.Errorf("%s serves no PEM certificate", certURL)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err
	}
	var mnsHeaders []string
	for name := range r.Header {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-mns-") {
			mnsHeaders = append(mnsHeaders, lower+":"+r.Header.Get(name)+"\n")
		}
	}
	slices.Sort(mnsHeaders)
	toSign := r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" +
		r.Header.Get("Date") + "\n" + strings.Join(mnsHeaders, "") + r.RequestURI
	signature, err := base64.StdEncoding.DecodeString(r.Header.Get("Authorization"))
	if err != nil {
		return fmt.Errorf("Authorization: %w", err)
	}
	digest := sha1.Sum([]byte(toSign))
	return rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA1, digest[:], signature)
}

var requestID = regexp.MustCompile(`^[0-9A-F]{24}$`)

// checkHeaders checks the headers every notification carries, and returns
// x-mns-publish-time.
func checkHeaders(t *testing.T, r received, topic, subscription, contentType string, published time.Time) string {
	t.Helper()
	sum := md5.Sum([]byte(r.Body))
	want := map[string]string{
		"Content-Type":            contentType,
		"Content-MD5":             base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:]))),
		"User-Agent":              "Aliyun Notification Service Agent",
		"x-mns-version":           "2015-06-06",
		"x-mns-topic-owner":       "1234567890",
		"x-mns-subscriber":        "1234567890",
		"x-mns-topic-name":        topic,
		"x-mns-subscription-name": subscription,
	}
	for name, value := range want {
		if got := r.Header.Get(name); got != value {
			t.Errorf("%s: %s is %q, want %q", subscription, name, got, value)
		}
	}
	if r.Method != http.MethodPost {
		t.Errorf("%s: method %s", subscription, r.Method)
	}
	if id := r.Header.Get("x-mns-request-id"); !requestID.MatchString(id) {
		t.Errorf("%s: x-mns-request-id %q", subscription, id)
	}
	if date, err := http.ParseTime(r.Header.Get("Date")); err != nil || date.Before(published.Add(-time.Second)) || date.After(time.Now()) {
		t.Errorf("%s: Date %q (%v), published at %v", subscription, r.Header.Get("Date"), err, published)
	}
	publishTime := r.Header.Get("x-mns-publish-time")
	if ms, err := strconv.ParseInt(publishTime, 10, 64); err != nil || ms < published.UnixMilli() || ms > time.Now().UnixMilli() {
		t.Errorf("%s: x-mns-publish-time %q, published at %d", subscription, publishTime, published.UnixMilli())
	}
	if err := verifySignature(r); err != nil {
		t.Errorf("%s: the signature does not verify: %v", subscription, err)
	}
	return publishTime
}

// mnsHeaderNames lists the x-mns-* headers of r, lowercased and sorted.
func mnsHeaderNames(r received) []string {
	var names []string
	for name := range r.Header {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-mns-") {
			names = append(names, lower)
		}
	}
	slices.Sort(names)
	return names
}

var commonMNSHeaders = []string{"x-mns-publish-time", "x-mns-request-id", "x-mns-signing-cert-url", "x-mns-subscriber", "x-mns-subscription-name", "x-mns-topic-name", "x-mns-topic-owner", "x-mns-version"}

func TestPushFormats(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	sub := newSubscriber(t)
	endpoints := map[string]string{
		"xml":        sub.URL + "/notifications",
		"json":       sub.URL + "/mns/json?from=mns&x=1",
		"simplified": sub.URL,
	}
	formats := map[string]string{"xml": topics.FormatXML, "json": topics.FormatJSON, "simplified": topics.FormatSimplified}
	for name, endpoint := range endpoints {
		if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: topic, Name: name, Endpoint: endpoint, NotifyContentFormat: formats[name]}); err != nil {
			t.Fatal(err)
		}
	}
	body := `hello <world> & 测试`
	before := time.Now().Truncate(time.Millisecond)
	published, err := h.store.Publish(ctx, topic, topics.Publication{Body: body, Tag: "tag1", Attributes: map[string]string{"DirectMail": `{"Subject":"s"}`}})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte(body))
	if wantMD5 := strings.ToUpper(hex.EncodeToString(sum[:])); published.BodyMD5 != wantMD5 || !regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(published.MessageID) {
		t.Errorf("published %+v, want a 32-hex-digit ID and MD5 %s", published, wantMD5)
	}

	got := map[string]received{}
	for range endpoints {
		r := sub.next(t)
		got[r.Header.Get("x-mns-subscription-name")] = r
	}
	id, md5Hex := published.MessageID, published.BodyMD5

	xmlReq := got["xml"]
	pt := checkHeaders(t, xmlReq, topic, "xml", "text/xml;charset=utf-8", before)
	wantXML := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Notification xmlns="http://mns.aliyuncs.com/doc/v1"><TopicOwner>1234567890</TopicOwner><TopicName>` + topic +
		`</TopicName><Subscriber>1234567890</Subscriber><SubscriptionName>xml</SubscriptionName><MessageId>` + id +
		`</MessageId><Message>hello &lt;world&gt; &amp; 测试</Message><MessageMD5>` + md5Hex +
		`</MessageMD5><MessageTag>tag1</MessageTag><PublishTime>` + pt + `</PublishTime></Notification>`
	if xmlReq.RequestURI != "/notifications" || xmlReq.Body != wantXML {
		t.Errorf("XML notification to %s:\n got %s\nwant %s", xmlReq.RequestURI, xmlReq.Body, wantXML)
	}
	if names := mnsHeaderNames(xmlReq); !slices.Equal(names, commonMNSHeaders) {
		t.Errorf("XML x-mns headers %v, want %v", names, commonMNSHeaders)
	}

	jsonReq := got["json"]
	pt = checkHeaders(t, jsonReq, topic, "json", "application/json;charset=utf-8", before)
	wantJSON := `{"TopicOwner":"1234567890","TopicName":"` + topic + `","Subscriber":"1234567890","SubscriptionName":"json","MessageId":"` + id +
		`","Message":"hello <world> & 测试","MessageMD5":"` + md5Hex + `","MessageTag":"tag1","PublishTime":"` + pt + `"}`
	if jsonReq.RequestURI != "/mns/json?from=mns&x=1" || jsonReq.Body != wantJSON {
		t.Errorf("JSON notification to %s:\n got %s\nwant %s", jsonReq.RequestURI, jsonReq.Body, wantJSON)
	}

	simple := got["simplified"]
	checkHeaders(t, simple, topic, "simplified", "text/plain;charset=utf-8", before)
	if simple.RequestURI != "/" || simple.Body != body {
		t.Errorf("SIMPLIFIED notification to %s: %q, want %q", simple.RequestURI, simple.Body, body)
	}
	if simple.Header.Get("x-mns-message-id") != id || simple.Header.Get("x-mns-message-tag") != "tag1" {
		t.Errorf("SIMPLIFIED message headers: id %q tag %q", simple.Header.Get("x-mns-message-id"), simple.Header.Get("x-mns-message-tag"))
	}
	if names := mnsHeaderNames(simple); !slices.Equal(names, slices.Sorted(slices.Values(append([]string{"x-mns-message-id", "x-mns-message-tag"}, commonMNSHeaders...)))) {
		t.Errorf("SIMPLIFIED x-mns headers %v", names)
	}
	awaitDelivered(t, h, topic, id)
}

// A message without a tag has no MessageTag element, key or header.
func TestPushWithoutTag(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	sub := newSubscriber(t)
	for _, format := range []string{topics.FormatXML, topics.FormatJSON, topics.FormatSimplified} {
		if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: topic, Name: strings.ToLower(format), Endpoint: sub.URL, NotifyContentFormat: format}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.store.Publish(ctx, topic, topics.Publication{Body: "untagged"}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r := sub.next(t)
		if strings.Contains(r.Body, "MessageTag") || r.Header.Values("x-mns-message-tag") != nil {
			t.Errorf("%s: an untagged message carries a tag: %s %v", r.Header.Get("x-mns-subscription-name"), r.Body, r.Header)
		}
	}
}

func TestFilterTag(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	all, onlyA := newSubscriber(t), newSubscriber(t)
	for _, s := range []topics.Subscription{
		{TopicName: topic, Name: "all", Endpoint: all.URL, NotifyContentFormat: topics.FormatSimplified},
		{TopicName: topic, Name: "only-a", Endpoint: onlyA.URL, FilterTag: "a", NotifyContentFormat: topics.FormatSimplified},
	} {
		if _, err := h.store.Subscribe(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, tag := range []string{"b", "", "a"} {
		p, err := h.store.Publish(ctx, topic, topics.Publication{Body: "tag " + tag, Tag: tag})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.MessageID)
	}
	for _, id := range ids {
		awaitDelivered(t, h, topic, id)
	}
	// Every publication ended: what each subscriber got is all it gets.
	if n := len(all.got); n != 3 {
		t.Errorf("the unfiltered subscription got %d messages, want 3", n)
	}
	if n := len(onlyA.got); n != 1 {
		t.Fatalf("the subscription filtering tag a got %d messages, want 1", n)
	}
	if r := onlyA.next(t); r.Body != "tag a" {
		t.Errorf("the subscription filtering tag a got %q", r.Body)
	}
}

// A subscriber that answers 500 gets the message again, and the same
// message: MNS retries anything but a 2xx.
func TestRetryAfterFailure(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	strategies := []string{topics.BackoffRetry, topics.ExponentialDecayRetry}
	subs := map[string]*subscriber{}
	for _, strategy := range strategies {
		subs[strategy] = newSubscriber(t, http.StatusInternalServerError, http.StatusForbidden)
		name := strings.ToLower(strings.ReplaceAll(strategy, "_", "-"))
		if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: topic, Name: name, Endpoint: subs[strategy].URL, NotifyStrategy: strategy}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := h.store.Publish(ctx, topic, topics.Publication{Body: "again"})
	if err != nil {
		t.Fatal(err)
	}
	for _, strategy := range strategies {
		sub := subs[strategy]
		first, second, third := sub.next(t), sub.next(t), sub.next(t)
		if first.Body != second.Body || second.Body != third.Body || first.Header.Get("x-mns-request-id") == second.Header.Get("x-mns-request-id") {
			t.Errorf("%s: the retries differ from the first attempt or reuse its request ID:\n%+v\n%+v\n%+v", strategy, first, second, third)
		}
	}
	awaitDelivered(t, h, topic, p.MessageID)
}

// BACKOFF_RETRY tries 4 times in all, then the message is dropped for that
// subscription.
func TestBackoffRetryGivesUp(t *testing.T) {
	h := setup(t)
	ctx := testContext(t)
	topic := testenv.ResourceName(t, "")
	if _, err := h.store.CreateTopic(ctx, topic, topics.TopicChange{}); err != nil {
		t.Fatal(err)
	}
	sub := newSubscriber(t, 500, 500, 500, 500, 500, 500)
	if _, err := h.store.Subscribe(ctx, topics.Subscription{TopicName: topic, Name: "down", Endpoint: sub.URL}); err != nil {
		t.Fatal(err)
	}
	p, err := h.store.Publish(ctx, topic, topics.Publication{Body: "lost"})
	if err != nil {
		t.Fatal(err)
	}
	awaitDelivered(t, h, topic, p.MessageID)
	if n := len(sub.got); n != 4 {
		t.Errorf("the subscriber was tried %d times, want 4", n)
	}
}
