"""The locks subject: its measured operations, child-side workloads and charts."""
