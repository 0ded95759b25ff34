# data tests
