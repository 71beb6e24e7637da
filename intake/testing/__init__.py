"""Support for the test suite and CI: service checks shared by conftest and .ci scripts."""
