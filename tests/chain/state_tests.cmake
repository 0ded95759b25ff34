# chain/state tests
