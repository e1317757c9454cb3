-- Optional workbench additions: faster gallery paging and prompt search. Applied automatically
-- to databases the workbench owns; on a Reigh database only by `workbench db install-extras`.
-- Everything works without them, slower.

-- Keyset paging of the project gallery on (created_at, id), skipping placeholders and children.
CREATE INDEX IF NOT EXISTS workbench_generations_gallery_keyset
    ON generations (project_id, created_at DESC, id DESC)
    WHERE location IS NOT NULL AND NOT is_child;

-- Trigram search over the orchestrator prompt, where the pg_trgm extension is available
-- (Reigh has this index; some PostgreSQL builds, like the bundled one, lack the extension).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXECUTE 'CREATE INDEX IF NOT EXISTS workbench_generations_prompt_trgm ON generations '
             || 'USING gin ((params -> ''originalParams'' -> ''orchestrator_details'' ->> '
             || '''prompt'') gin_trgm_ops)';
    END IF;
END $$;
