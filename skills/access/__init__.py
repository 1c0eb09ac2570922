"""Services for blind and low-vision people: education, employment and welfare, a guided
"what can I get?" list, every figure sourced and dated in ``data/`` (see README.md)."""
