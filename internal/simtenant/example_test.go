package simtenant_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// A test seeds the demo tenant, serves it, injects a fault, and then
// asserts on what the tenant saw. A graph.Client would be pointed at
// tn.URL() with graph.StaticCredential.
func Example() {
	tn := simtenant.New()
	simtenant.Demo(tn)
	tn.Start()
	defer tn.Close()

	tn.Throttle("POST", "/users/*/authentication/temporaryAccessPassMethods", 1, "1")
	_, _ = tn.RegisterMethod(simtenant.DemoSarahUPN, tap.MethodWindowsHello)

	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("POST", tn.URL()+"/users/"+simtenant.DemoSarahID+"/authentication/temporaryAccessPassMethods",
			strings.NewReader(`{"lifetimeInMinutes":480,"isUsableOnce":false}`))
		req.Header.Set("Authorization", "Bearer any")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("%d retry-after=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	p := tn.Passes(simtenant.DemoSarahID)[0]
	fmt.Println(tn.Creates(simtenant.DemoSarahID), len(p.Value), p.LifetimeMinutes, p.Reason)
	// Output:
	// 429 retry-after="1"
	// 201 retry-after=""
	// 1 8 480 EnabledByPolicy
}
