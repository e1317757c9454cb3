-- Reigh's behaviour-defining triggers, reproduced so that the workbench's own database behaves
-- like Reigh's: code that works here (e.g. hiding placeholder rows, treating the primary variant
-- as the source of truth) then also works against a real Reigh database.

-- Every new shot gets a hidden placeholder parent video generation (location NULL), linked
-- unpositioned. Gallery queries and counts must skip `location IS NULL` rows because of it.
CREATE FUNCTION reigh_create_shot_parent_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    parent_id uuid;
BEGIN
    INSERT INTO generations (project_id, type, location, params)
    VALUES (NEW.project_id, 'video', NULL,
            jsonb_build_object('tool_type', 'travel-between-images',
                               'created_from', 'shot_parent_generation',
                               'shot_id', NEW.id))
    RETURNING id INTO parent_id;
    INSERT INTO shot_generations (shot_id, generation_id, timeline_frame)
    VALUES (NEW.id, parent_id, NULL);
    RETURN NEW;
END $$;

CREATE TRIGGER shots_create_parent_generation
    AFTER INSERT ON shots
    FOR EACH ROW EXECUTE FUNCTION reigh_create_shot_parent_generation();

-- Variants carry their generation's project, and at most one of them is primary.
CREATE FUNCTION reigh_variant_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.project_id IS NULL THEN
        SELECT project_id INTO NEW.project_id FROM generations WHERE id = NEW.generation_id;
    END IF;
    IF NEW.is_primary THEN
        UPDATE generation_variants SET is_primary = false
        WHERE generation_id = NEW.generation_id AND is_primary AND id <> NEW.id;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER generation_variants_before_write
    BEFORE INSERT OR UPDATE OF is_primary ON generation_variants
    FOR EACH ROW EXECUTE FUNCTION reigh_variant_before_write();

-- The primary variant is the source of truth: its media and params are copied to the generation.
CREATE FUNCTION reigh_variant_sync_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.is_primary THEN
        UPDATE generations
        SET location = NEW.location,
            thumbnail_url = NEW.thumbnail_url,
            params = COALESCE(NEW.params, params),
            name = COALESCE(NEW.name, name),
            primary_variant_id = NEW.id,
            updated_at = now()
        WHERE id = NEW.generation_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER generation_variants_sync_generation
    AFTER INSERT OR UPDATE OF is_primary, location, thumbnail_url, params, name
    ON generation_variants
    FOR EACH ROW EXECUTE FUNCTION reigh_variant_sync_generation();

-- An original variant cannot be deleted (also not through a cascaded generation delete).
CREATE FUNCTION reigh_variant_protect_original() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.variant_type = 'original' THEN
        RAISE EXCEPTION 'cannot delete the original variant % of generation %',
            OLD.id, OLD.generation_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER generation_variants_protect_original
    BEFORE DELETE ON generation_variants
    FOR EACH ROW EXECUTE FUNCTION reigh_variant_protect_original();

-- Deleting the primary promotes the newest remaining variant.
CREATE FUNCTION reigh_variant_promote_after_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.is_primary THEN
        UPDATE generation_variants SET is_primary = true
        WHERE id = (SELECT id FROM generation_variants
                    WHERE generation_id = OLD.generation_id
                    ORDER BY created_at DESC, id DESC LIMIT 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER generation_variants_promote_after_delete
    AFTER DELETE ON generation_variants
    FOR EACH ROW EXECUTE FUNCTION reigh_variant_promote_after_delete();
