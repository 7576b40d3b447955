package pki

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
)

// maxSerialFileSize bounds serial.txt; openssl writes one short line.
const maxSerialFileSize = 1 << 10

// initialSerial is the first serial a new CA issues, as the engine's
// pki-create-ca.sh starts it.
const initialSerial = "1000"

// FormatSerial writes a serial the way openssl writes serial.txt and the
// index: uppercase hexadecimal with an even number of digits.
func FormatSerial(n *big.Int) string {
	s := strings.ToUpper(n.Text(16))
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// parseSerial reads a hexadecimal serial as openssl's serial file and index
// hold it (either case, no prefix).
func parseSerial(text string) (*big.Int, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 40 {
		return nil, fmt.Errorf("serial %s is not 1 to 40 hexadecimal digits", quoteField(text, 40))
	}
	n, ok := new(big.Int).SetString(text, 16)
	if !ok || strings.ContainsAny(text, "+-_xX") {
		return nil, fmt.Errorf("serial %q is not hexadecimal", text)
	}
	if n.Sign() <= 0 {
		return nil, fmt.Errorf("serial %q is not positive", text)
	}
	return n, nil
}

// maxSerialBits is the most bits a serial may have: RFC 5280 4.1.2.2
// allows 20 octets, and DER spends a sign bit of them.
const maxSerialBits = 20*8 - 1

// checkSerialRange refuses to issue serials first to first+count-1 when
// the last would need more than 20 octets, or when serial.txt would then
// hold a next serial that does (pkienroll and openssl would refuse it).
func checkSerialRange(path string, first *big.Int, count int) error {
	next := new(big.Int).Add(first, big.NewInt(int64(count)))
	if next.BitLen() > maxSerialBits {
		return fmt.Errorf("read serial %s: the next serial has %d hexadecimal digits; signing %d certificate(s) from it would pass the 20 octets RFC 5280 4.1.2.2 allows a serial: %w",
			path, len(first.Text(16)), count, ErrBadStore)
	}
	return nil
}

// checkPastIndex refuses to issue serial next when last, the index's last
// entry (nil for an empty index), has a serial not below it: serial.txt is
// behind the index (restored from a backup, or edited), and issuing would
// give two certificates one serial, which RFC 5280 4.1.2.2 forbids and
// openssl ca refuses. Every signer of the directory takes its serials from
// serial.txt and appends, so the last line holds the highest; a check of
// every line is pkienroll ca check's. Nothing is read.
func checkPastIndex(serialPath, dbPath string, last *Entry, next *big.Int) error {
	if last == nil {
		return nil
	}
	n, err := parseSerial(last.Serial)
	if err != nil {
		return fmt.Errorf("database %s: last line: %w: %w", dbPath, err, ErrBadStore)
	}
	if next.Cmp(n) > 0 {
		return nil
	}
	return fmt.Errorf("read serial %s: it says %s is next, but the last line of %s has serial %s already (serial.txt restored from a backup?): %w",
		serialPath, FormatSerial(next), dbPath, FormatSerial(n), ErrBadStore)
}

// readSerialFile reads the next serial to issue from path (serial.txt).
func readSerialFile(path string) (*big.Int, error) {
	data, err := readFileLimited(path, maxSerialFileSize, true)
	if err != nil {
		return nil, fmt.Errorf("read serial %s: %w: %w", path, err, ErrBadStore)
	}
	n, err := parseSerial(string(data))
	if err != nil {
		return nil, fmt.Errorf("read serial %s: %w: %w", path, err, ErrBadStore)
	}
	return n, nil
}

// writeSerialFile atomically replaces path with n in openssl's format. Only
// a holder of the store's lock may call it.
func writeSerialFile(path string, n *big.Int) error {
	return atomicfile.WriteLocked(path, []byte(FormatSerial(n)+"\n"), modePublic)
}
