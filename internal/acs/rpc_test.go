package acs

import "testing"

// TestWorkedVector is the worked example of reference fnf-api.md §3.1: the
// core SDK's ReportTaskSucceeded capture, signed with "testsecret".
func TestWorkedVector(t *testing.T) {
	params := map[string]string{
		"AccessKeyId":      "testid",
		"Action":           "ReportTaskSucceeded",
		"Format":           "JSON",
		"Output":           `{"result":"ok ü","n":1}`,
		"RegionId":         "cn-hangzhou",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   "4e23aca3234606f7eef3334dc47fc164",
		"SignatureType":    "",
		"SignatureVersion": "1.0",
		"TaskToken":        "tok/with+special chars*~&x=y",
		"Timestamp":        "2026-11-26T16:22:53Z",
		"Version":          "2019-03-15",
		"Signature":        "left out of the string to sign",
	}
	const want = "POST&%2F&AccessKeyId%3Dtestid%26Action%3DReportTaskSucceeded%26Format%3DJSON%26Output%3D%257B%2522result%2522%253A%2522ok%2520%25C3%25BC%2522%252C%2522n%2522%253A1%257D%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D4e23aca3234606f7eef3334dc47fc164%26SignatureType%3D%26SignatureVersion%3D1.0%26TaskToken%3Dtok%252Fwith%252Bspecial%2520chars%252A~%2526x%253Dy%26Timestamp%3D2026-11-26T16%253A22%253A53Z%26Version%3D2019-03-15"
	got := StringToSign("POST", params)
	if got != want {
		t.Errorf("string to sign\n got %s\nwant %s", got, want)
	}
	if sig := Signature("testsecret", got); sig != "IP8y0a5gvNn5F1h9oC+Wx5F7bXU=" {
		t.Errorf("signature %s, want IP8y0a5gvNn5F1h9oC+Wx5F7bXU=", sig)
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a b": "a%20b",
		"*":   "%2A",
		"~":   "~",
		"a+b": "a%2Bb",
		"ü":   "%C3%BC",
		"-_.": "-_.",
		"/=&": "%2F%3D%26",
		"":    "",
	} {
		if got := PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}
