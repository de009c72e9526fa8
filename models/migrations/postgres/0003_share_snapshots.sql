-- A share's snapshot is taken when the share is created and does not follow
-- later syncs (CONTRACT.md section 3, runs that grow): the public view of the
-- run as compact JSON (shares/ShareSnapshot.h). NULL for shares made before
-- this version: their first public read takes it.
ALTER TABLE shares ADD COLUMN snapshot TEXT;
