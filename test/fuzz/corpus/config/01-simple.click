// the smallest useful router
src :: InfiniteSource(LIMIT 5, DATA "\<00 01 02>");
src -> Queue(10) -> c :: Counter -> Discard;
