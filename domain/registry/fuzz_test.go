package registry_test

import (
	"reflect"
	"testing"

	"github.com/orderflow/orderflow/domain/registry"
)

// FuzzDecode: whatever a stored event's data holds, decoding it answers an event or an
// error and never panics; an event it answers encodes and decodes to itself, so that
// what a projection or a saga read back is what was meant.
func FuzzDecode(f *testing.F) {
	reg := registry.New()
	types := reg.Types()
	for i, e := range samples {
		data, err := reg.Encode(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), data)
	}
	f.Add(uint8(0), []byte(`{"order_id":null,"lines":[{}],"total":{"cents":1e99}}`))
	f.Add(uint8(1), []byte(`{"amount":{"cents":-1,"currency":"\u0000"}}`))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		eventType := types[int(which)%len(types)]
		for _, version := range reg.Versions(eventType) {
			e, err := reg.Decode(eventType, version, data)
			if err != nil {
				continue
			}
			again, err := reg.Encode(e)
			if err != nil {
				t.Fatalf("%s v%d decoded from %q does not encode: %v", eventType, version, data, err)
			}
			back, err := reg.Decode(eventType, version, again)
			if err != nil || !reflect.DeepEqual(e, back) {
				t.Fatalf("%s v%d: %#v encodes to %s, which decodes to %#v (%v)", eventType, version, e, again, back, err)
			}
		}
	})
}
