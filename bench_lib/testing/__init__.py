"""What only the test suite uses: faulty and timing workers its spawned children import."""
