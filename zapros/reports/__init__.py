"""Reports for supervisors and administrators: aggregates read from the domain's rows, never
written. Each report starts from the viewer's access and runs a fixed number of queries
whatever the size of the data."""
