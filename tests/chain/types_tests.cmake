# chain/types tests
