"""The pool subject: its measured operations, child-side workloads and charts."""
