// Command ocr stands in for Alibaba Cloud's OCR API in fnflow's action
// sample: fnflow cannot call the cloud API of a task's action
// (action: ocr:RecognizeIdentityCard), so the bindings file points the action
// at this server instead.
//
// fnflow POSTs the step's serviceParams, the action's request parameters, as
// a JSON object; the JSON reply is the step's $local. A failure is answered
// as Alibaba's APIs answer one, a non-2xx status with {"Code", "Message"},
// and the step fails with the error ocr.<Code>, which the flow's catch
// matches. The result is made up: this server reads no image.
//
//	go run ./samples/functions/ocr --addr 127.0.0.1:9001
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "address to listen on")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /RecognizeIdentityCard", recognizeIdentityCard)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("ocr stand-in listening", "url", "http://"+*addr+"/RecognizeIdentityCard")
	select {
	case err := <-errc:
		slog.Error("ocr stand-in stopped", "err", err)
		os.Exit(1)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		slog.Error("shutting down", "err", err)
		os.Exit(1)
	}
}

// recognizeIdentityCard answers with the shape of the OCR API's reply. An
// ImageURL that does not name a JPEG or PNG image is refused with the code
// InvalidImage.Format, which the flow sees as ocr.InvalidImage.Format.
func recognizeIdentityCard(w http.ResponseWriter, r *http.Request) {
	var params struct {
		ImageURL string
		Side     string
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&params); err != nil {
		reply(w, http.StatusBadRequest, map[string]any{"Code": "InvalidParameter", "Message": "the request is not a JSON object: " + err.Error()})
		return
	}
	slog.Info("RecognizeIdentityCard", "ImageURL", params.ImageURL, "Side", params.Side)
	switch ext := strings.ToLower(path.Ext(params.ImageURL)); {
	case params.ImageURL == "":
		reply(w, http.StatusBadRequest, map[string]any{"Code": "MissingParameter.ImageURL", "Message": "ImageURL is required"})
	case ext != ".jpg" && ext != ".jpeg" && ext != ".png":
		reply(w, http.StatusBadRequest, map[string]any{"Code": "InvalidImage.Format", "Message": "the image must be a JPEG or PNG file, not " + params.ImageURL})
	default:
		reply(w, http.StatusOK, map[string]any{
			"RequestId": "sample",
			"Data":      map[string]any{"FrontResult": map[string]any{"Name": "Zhang San", "IDNumber": "110101199001011234"}},
		})
	}
}

func reply(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
