package est

// CurrentName is the check a renewal makes twice, the second time under the
// store's lock (reenroll's Precondition): the name whose current
// certificate has serial, or the refusal. The benchmarks time it as the part
// of a renewal's time under the lock that depends on the CA's size.
func (s *Server) CurrentName(serial string) (string, error) {
	name, ref := s.current(serial)
	if ref != nil {
		return "", ref
	}
	return name, nil
}
