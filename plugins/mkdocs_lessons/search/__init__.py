"""Search: the words a record is found by, and the Pagefind index run after the site is written."""
