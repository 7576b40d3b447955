package proxy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

func TestRenderSpiceGolden(t *testing.T) {
	got, err := RenderSpice(SpiceConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pkitest.Golden(t, "testdata/squid-spice.golden", string(got), *update)
}

func TestRenderSpiceDirectives(t *testing.T) {
	out, err := RenderSpice(SpiceConfig{Listen: "192.0.2.20:3129", ReadTimeout: 12 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"http_port 192.0.2.20:3129",
		"acl spice_ports port 5900-6923",
		"acl spice_connect method CONNECT",
		"http_access allow spice_connect spice_ports",
		"http_access deny all",
		"cache deny all",
		"read_timeout 12 hours",
	}
	if got := directives(string(out)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("directives:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRenderSpiceBad(t *testing.T) {
	for _, c := range []SpiceConfig{{Listen: "65536"}, {Listen: "proxy:3128"}, {ReadTimeout: time.Millisecond}} {
		if out, err := RenderSpice(c); !errors.Is(err, ErrBadValue) {
			t.Errorf("%+v: error %v, want ErrBadValue; rendered\n%s", c, err, out)
		}
	}
}

func TestSpiceSquidParse(t *testing.T) {
	for _, c := range []SpiceConfig{{}, {Listen: "127.0.0.1:3128"}, {Listen: "[::1]:3128", ReadTimeout: 48 * time.Hour}} {
		conf, err := RenderSpice(c)
		if err != nil {
			t.Fatal(err)
		}
		squidOK(t, conf)
	}
}
