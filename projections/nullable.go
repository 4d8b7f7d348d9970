package projections

import "encoding/json"

// NullableString is a string that is JSON null when empty: an order that was not
// rejected has "rejection_reason": null, and the last page "next_cursor": null,
// rather than "" which a client could mistake for a value. In Go it is a plain string.
type NullableString string

func (s NullableString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

func (s *NullableString) UnmarshalJSON(data []byte) error {
	var p *string
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*s = ""
	if p != nil {
		*s = NullableString(*p)
	}
	return nil
}
