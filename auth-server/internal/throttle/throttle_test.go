package throttle

import "testing"

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
	} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccountKey(t *testing.T) {
	if AccountKey("Demo-Patient") != "demo-patient" {
		t.Error("usernames are compared case-insensitively")
	}
	long := string(make([]byte, 1000))
	if k := AccountKey(long); len(k) > 128 || k == AccountKey(long+"x") {
		t.Errorf("a long username is not bounded to a distinct key: %d bytes", len(k))
	}
}
