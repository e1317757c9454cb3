-- Live updates: every change to what a gallery or a settings pane shows sends a NOTIFY on
-- channel 'workbench_changes' with just enough to invalidate the narrowest cache prefixes.
-- Optional: without these triggers the workbench falls back to stale times (and says so).

CREATE OR REPLACE FUNCTION workbench_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rec record;
    payload jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        rec := OLD;
    ELSE
        rec := NEW;
    END IF;
    IF TG_TABLE_NAME = 'generations' THEN
        payload := jsonb_build_object(
            'project', rec.project_id,
            'shots', (SELECT coalesce(jsonb_agg(DISTINCT shot_id), '[]'::jsonb)
                      FROM shot_generations WHERE generation_id = rec.id));
    ELSIF TG_TABLE_NAME = 'generation_variants' THEN
        payload := jsonb_build_object(
            'project', (SELECT project_id FROM generations WHERE id = rec.generation_id),
            'shots', (SELECT coalesce(jsonb_agg(DISTINCT shot_id), '[]'::jsonb)
                      FROM shot_generations WHERE generation_id = rec.generation_id));
    ELSIF TG_TABLE_NAME = 'shot_generations' THEN
        payload := jsonb_build_object(
            'project', (SELECT project_id FROM shots WHERE id = rec.shot_id),
            'shots', jsonb_build_array(rec.shot_id));
    ELSIF TG_TABLE_NAME = 'shots' THEN
        payload := jsonb_build_object('project', rec.project_id, 'shot', rec.id);
    ELSIF TG_TABLE_NAME = 'projects' THEN
        payload := jsonb_build_object('project', rec.id, 'user', rec.user_id);
    ELSE
        payload := jsonb_build_object('user', rec.id);
    END IF;
    PERFORM pg_notify('workbench_changes',
                      (payload || jsonb_build_object('table', TG_TABLE_NAME, 'op', TG_OP))::text);
    RETURN NULL;
END $$;

CREATE TRIGGER workbench_notify_generations
    AFTER INSERT OR UPDATE OR DELETE ON generations
    FOR EACH ROW EXECUTE FUNCTION workbench_notify_change();
CREATE TRIGGER workbench_notify_generation_variants
    AFTER INSERT OR UPDATE OR DELETE ON generation_variants
    FOR EACH ROW EXECUTE FUNCTION workbench_notify_change();
CREATE TRIGGER workbench_notify_shot_generations
    AFTER INSERT OR UPDATE OR DELETE ON shot_generations
    FOR EACH ROW EXECUTE FUNCTION workbench_notify_change();
CREATE TRIGGER workbench_notify_shots
    AFTER INSERT OR UPDATE OR DELETE ON shots
    FOR EACH ROW EXECUTE FUNCTION workbench_notify_change();
CREATE TRIGGER workbench_notify_projects
    AFTER UPDATE OF settings, name ON projects
    FOR EACH ROW EXECUTE FUNCTION workbench_notify_change();
CREATE TRIGGER workbench_notify_users
    AFTER UPDATE OF settings ON users
    FOR EACH ROW EXECUTE FUNCTION workbench_notify_change();
