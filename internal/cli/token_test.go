package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
)

// `orderflow token --role courier` mints a courier's token: no consumer or restaurant
// id, and a subject that names the courier in the events it causes.
func TestTokenCommandIssuesCourierTokens(t *testing.T) {
	tokens := api.Tokens{Secret: []byte(strongSecret), Issuer: "orderflow"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "--role", "courier", "--subject", "courier-17"}, "courier:courier-17"},
		{[]string{"token", "--role", "courier"}, "courier:courier"},
	} {
		out, err := execute(t, map[string]string{"TOKEN_SECRET": strongSecret}, tc.args...)
		require.NoError(t, err)
		p, err := tokens.Verify(strings.TrimSpace(out))
		require.NoError(t, err)
		require.Equal(t, api.RoleCourier, p.Role)
		require.Equal(t, tc.want, p.String())
	}
}
