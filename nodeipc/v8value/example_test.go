package v8value_test

import (
	"fmt"

	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
)

func ExampleMarshal() {
	b, err := v8value.Marshal(map[string]any{"seq": 1, "p": "Ω"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)
	// Output: ff 0f 6f 22 01 70 63 02 a9 03 22 03 73 65 71 49 02 7b 02
}

func ExampleDecode() {
	// {1: 'a', b: [1.5, 2]} as Node writes it.
	v, err := v8value.Decode([]byte{0xff, 0x0f, 0x6f, 0x49, 0x02, 0x22, 0x01, 0x61, 0x22, 0x01, 0x62,
		0x41, 0x02, 0x4e, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x4e, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x24, 0x00, 0x02, 0x7b, 0x02})
	if err != nil {
		panic(err)
	}
	obj := v.(*v8value.Object)
	for _, p := range obj.Props {
		fmt.Printf("%s: %#v\n", p.Key, p.Value)
	}
	arr := obj.Props[1].Value.(*v8value.Array)
	fmt.Printf("%T %v\n", arr.Elements[1], arr.Elements[1])
	// Output:
	// 1: "a"
	// b: &v8value.Array{Length:0x2, Sparse:false, Elements:[]interface {}{1.5, 2}, Props:[]v8value.Property(nil)}
	// v8value.Double 2
}
