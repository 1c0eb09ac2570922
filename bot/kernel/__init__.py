"""The kernel: what both runtimes and every skill may import. It imports no other layer."""
