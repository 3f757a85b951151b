package nodeipc

// UnsolicitedAcksForTest returns how many NODE_HANDLE_ACK/NACK answers c
// ignored because no handle waited for one.
func UnsolicitedAcksForTest(c *Channel) uint64 { return c.unsolicitedAcks.Load() }
