-- Prompt search also looks at params->>'prompt' (Reigh searches only the orchestrator prompt):
-- a trigram index for it where pg_trgm exists; shot timelines get a keyset index for their
-- sort order (positioned first, by frame, then link id).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXECUTE 'CREATE INDEX IF NOT EXISTS workbench_generations_params_prompt_trgm ON '
             || 'generations USING gin ((params ->> ''prompt'') gin_trgm_ops)';
    END IF;
END $$;

CREATE INDEX IF NOT EXISTS workbench_shot_generations_timeline
    ON shot_generations (shot_id, (timeline_frame IS NULL), (COALESCE(timeline_frame, 0)), id);
