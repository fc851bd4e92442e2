// Command subscriptions runs the example of package subscriptions: go run ./examples/subscriptions
package main

import (
	"log"
	"os"

	"github.com/memrel-go/memrel/examples/internal/subscriptions"
)

func main() {
	if err := subscriptions.Run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
