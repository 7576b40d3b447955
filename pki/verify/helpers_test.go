package verify_test

import "github.com/pkienroll/pkienroll/internal/pkitest"

// The shared fixtures (internal/pkitest), under the names these tests use.
const (
	engineCASubject    = pkitest.EngineCASubject
	engineProxySubject = pkitest.EngineProxySubject
	caKeyIndex         = pkitest.CAKey
	requestKeyIndex    = pkitest.RequestKey
	otherKeyIndex      = pkitest.OtherKey
)

var (
	sharedKey      = pkitest.SharedKey
	storeName      = pkitest.Name
	newTestStore   = pkitest.NewStore
	writeRequest   = pkitest.WriteRequest
	writeStoreFile = pkitest.WriteFile
	writeSharedKey = pkitest.WriteSharedKey
	mustEKU        = pkitest.EKU
	opensslBinary  = pkitest.OpenSSL
	readStoreCert  = pkitest.ReadCert
	runOpenSSL     = pkitest.RunOpenSSL
	tryOpenSSL     = pkitest.TryOpenSSL
)
