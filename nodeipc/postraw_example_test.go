//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bufio"
	"context"
	"fmt"
	"log"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// An echo worker that answers with PostRaw: the replies to requests that
// arrived together are written together, by the loop's next Recv, and the
// peer reads them in one go. The peer here is a raw socket that sends a
// burst of three requests.
func ExampleChannel_PostRaw() {
	ours, peer := unixPair()
	ch, err := nodeipc.New(ours, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ch.Close()
	defer peer.Close()
	peer.Write([]byte("{\"job\":1}\n{\"job\":2}\n{\"job\":3}\n"))
	go func() {
		for m, err := range ch.Messages(context.Background()) {
			if err != nil {
				continue
			}
			ch.PostRaw(m.Raw()) // never blocks
		}
	}()
	lines := bufio.NewScanner(peer)
	for range 3 {
		lines.Scan()
		fmt.Println(lines.Text())
	}
	// Output:
	// {"job":1}
	// {"job":2}
	// {"job":3}
}
