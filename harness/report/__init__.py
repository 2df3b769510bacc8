"""Reports rendered from the run record alone: HTML, JUnit XML, Markdown, the index, trends."""
