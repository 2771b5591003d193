package backend

// Processes are the processes of one running instance, as the engine's top
// lists them: the ps column titles and a row per process.
type Processes struct {
	Service   string
	Replica   int
	Container string
	Titles    []string
	Rows      [][]string
}
