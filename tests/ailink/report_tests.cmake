# report tests
