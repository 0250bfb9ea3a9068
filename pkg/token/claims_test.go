package token

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

func TestClaimsJSON(t *testing.T) {
	c := Claims{Issuer: "i", Subject: "s", Audience: Audience{"a"}, ClientID: "c", Scope: "openid  user/Patient.read",
		IssuedAt: 1, NotBefore: 2, Expiry: 3, ID: "j"}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"iss":"i","sub":"s","aud":"a","client_id":"c","scope":"openid  user/Patient.read","iat":1,"nbf":2,"exp":3,"jti":"j"}`
	if string(b) != want {
		t.Fatalf("JSON = %s\nwant   %s", b, want)
	}
	c.Patient, c.FHIRUser, c.Audience = "4", "Practitioner/7", Audience{"a", "b"}
	b, _ = json.Marshal(c)
	var back Claims
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip = %+v, want %+v", back, c)
	}
	if got := c.Scopes(); !reflect.DeepEqual(got, []string{"openid", "user/Patient.read"}) {
		t.Fatalf("Scopes() = %q", got)
	}
	if !c.HasPatient() || c.ExpiresAt().Unix() != 3 {
		t.Fatal("HasPatient or ExpiresAt wrong")
	}
}

func TestAudienceUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    Audience
		wantErr bool
	}{
		{`"x"`, Audience{"x"}, false},
		{`["x","y"]`, Audience{"x", "y"}, false},
		{`[]`, Audience{}, false},
		{`7`, nil, true},
		{`[1]`, nil, true},
	}
	for _, tt := range tests {
		var a Audience
		err := json.Unmarshal([]byte(tt.in), &a)
		if (err != nil) != tt.wantErr || (!tt.wantErr && !reflect.DeepEqual(a, tt.want)) {
			t.Errorf("Unmarshal(%s) = %q, %v", tt.in, a, err)
		}
	}
}

func TestTokenCacheIsBounded(t *testing.T) {
	clk := &clock{}
	c := newTokenCache(10)
	exp := clk.Now().Add(1000)
	for i := range 100 {
		c.put(fmt.Sprint(i), &Claims{ID: "x"}, exp, clk.Now())
		if c.len() > 10 {
			t.Fatalf("cache grew to %d entries", c.len())
		}
	}
	if _, ok := c.get("99", clk.Now()); !ok {
		t.Fatal("latest entry missing")
	}
	if _, ok := c.get("99", exp); ok {
		t.Fatal("entry served at its exp")
	}
	off := newTokenCache(-1)
	off.put("1", &Claims{}, exp, clk.Now())
	if _, ok := off.get("1", clk.Now()); ok {
		t.Fatal("disabled cache stored an entry")
	}
}
