package nodeipc

import "errors"

// The advanced codec is provided by codec_v8.go once the V8 serializer is
// in place.
func newAdvancedCodec() (codec, error) {
	return nil, errors.New("nodeipc: advanced serialization is not available yet")
}

func decodeAdvanced(data []byte, v any) error {
	return errors.New("nodeipc: advanced serialization is not available yet")
}
