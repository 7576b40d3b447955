#!/bin/sh
# Builds the servers `make bench-peers` measures pkienroll serve against,
# pinned, from the Go module proxy: step-ca (smallstep/certificates) and
# cfssl (with cgo, for its sqlite certificate database). `go build pkg@version`
# refuses packages whose modules carry replace directives, so each is built
# from a scratch module that requires the exact version, as
# scripts/test-deps.sh builds estclient. Nothing of theirs is committed;
# the binaries land in DIR (default bench-results/peers) and are reused
# while they are there, with cfssl's sqlite migrations in DIR/cfssl-sqlite.
set -eu

dir=${1:-bench-results/peers}
STEPCA_VERSION=v0.30.2
CFSSL_VERSION=v1.6.5
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

build() { # build NAME PACKAGE VERSION CGO
	name=$1 pkg=$2 version=$3 cgo=$4
	stamp="$dir/$name.version"
	if [ -x "$dir/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
		return 0
	fi
	echo "building $name ($pkg@$version)" >&2
	scratch=$(mktemp -d)
	(
		cd "$scratch"
		printf 'module peerbuild\n\ngo 1.26\n' >go.mod
		CGO_ENABLED=$cgo go get "$pkg@$version"
		CGO_ENABLED=$cgo go build -o "$dir/$name" "$pkg"
		if [ "$name" = cfssl ]; then
			# cfssl's sqlite certificate database starts from its own
			# goose migrations, which peerbench applies with sqlite3.
			mkdir -p "$dir/cfssl-sqlite"
			cp "$(go list -m -f '{{.Dir}}' github.com/cloudflare/cfssl)"/certdb/sqlite/migrations/*.sql "$dir/cfssl-sqlite/"
		fi
	) || { rm -rf "$scratch"; echo "could not build $name $version" >&2; return 1; }
	rm -rf "$scratch"
	echo "$version" >"$stamp"
}

build step-ca github.com/smallstep/certificates/cmd/step-ca "$STEPCA_VERSION" 0
build cfssl github.com/cloudflare/cfssl/cmd/cfssl "$CFSSL_VERSION" 1
