# torch tests
