"""The distributed subject: its measured operations, child-side workloads and charts."""
