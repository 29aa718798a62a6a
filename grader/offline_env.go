package grader

// OfflineEnv returns the Env a scenario with this id gets in a run graded with seed,
// with no server, world, proxy or service behind it: Rand, NewKey and Step work as in
// a run, calls do not. For unit tests of a scenario's input generators and models.
func OfflineEnv(scenario string, seed uint64) *Env { return newEnv(Env{}, scenario, seed) }
