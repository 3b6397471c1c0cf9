"""The machine and the interpreter: fingerprint, GIL at run time, CPU usage and affinity."""
