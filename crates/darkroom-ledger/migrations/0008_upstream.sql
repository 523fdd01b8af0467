-- The vendor's own file (by hash, in the store) when it carried Content Credentials that
-- fitting it to the request took out of the stored image; delivery keeps its manifest as an
-- ingredient.
ALTER TABLE attempts ADD COLUMN upstream TEXT;
