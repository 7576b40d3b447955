package pki

// NameScans is the number of times s has read its certs/*.cer to find a
// serial's names (Lookup).
func (s *Store) NameScans() int {
	s.names.mu.Lock()
	defer s.names.mu.Unlock()
	return s.names.scans
}
