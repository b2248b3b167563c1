// Command local serves thumbdrop's Cloud Function with the Functions
// Framework, as Cloud Run does: binary-mode CloudEvents on $PORT (default
// 8080), on loopback unless $HOST says otherwise. With
// STORAGE_EMULATOR_HOST it reads and writes a local Cloud Storage
// emulator (fake-gcs-server).
package main

import (
	"log"
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/thumbdrop/thumbdrop/cloudfunction"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	host := os.Getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	if os.Getenv("FUNCTION_TARGET") == "" {
		os.Setenv("FUNCTION_TARGET", cloudfunction.EntryPoint)
	}
	if err := funcframework.StartHostPort(host, port); err != nil {
		log.Fatalf("serve: %v", err)
	}
}
