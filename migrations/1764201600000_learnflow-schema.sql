-- The LearnFlow schema (docs/contract.md): 9 tables with their keys, checks and indexes.
-- Applied by the hooks program's `postgresql-migrate` (node-pg-migrate); add later changes as new
-- files, never by editing this one.

-- Up Migration

CREATE FUNCTION learnflow_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email <> ''),
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('student', 'teacher', 'admin')),
  full_name text,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Unique whatever the case: Maya@LearnFlow.com and maya@learnflow.com are one user.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_role_idx ON users (role);

CREATE TABLE students (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  grade_level text,
  learning_pace text NOT NULL DEFAULT 'medium' CHECK (learning_pace IN ('slow', 'medium', 'fast')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teachers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  subject_expertise text[] NOT NULL DEFAULT '{}',
  years_experience integer CHECK (years_experience >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE topics (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  module_number integer NOT NULL CHECK (module_number >= 1),
  module_name text NOT NULL,
  topic_name text NOT NULL,
  description text,
  difficulty_level integer NOT NULL DEFAULT 1 CHECK (difficulty_level BETWEEN 1 AND 5),
  prerequisites uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (module_number, topic_name)
);

CREATE TABLE exercises (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE RESTRICT,
  title text NOT NULL,
  description text,
  starter_code text,
  solution_code text,
  test_cases jsonb NOT NULL DEFAULT '[]',
  difficulty integer CHECK (difficulty BETWEEN 1 AND 5),
  points integer NOT NULL DEFAULT 10 CHECK (points >= 0),
  time_limit_seconds integer NOT NULL DEFAULT 300 CHECK (time_limit_seconds > 0),
  created_by uuid REFERENCES teachers (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exercises_topic_id_idx ON exercises (topic_id);
CREATE INDEX exercises_created_by_idx ON exercises (created_by);

CREATE TABLE submissions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  student_id uuid NOT NULL REFERENCES students (id) ON DELETE CASCADE,
  exercise_id uuid NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
  code text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'passed', 'failed', 'error')),
  test_results jsonb,
  execution_time_ms integer CHECK (execution_time_ms >= 0),
  submitted_at timestamptz NOT NULL DEFAULT now(),
  graded_at timestamptz
);
CREATE INDEX submissions_student_id_idx ON submissions (student_id);
CREATE INDEX submissions_exercise_id_idx ON submissions (exercise_id);

CREATE TABLE progress (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  student_id uuid NOT NULL REFERENCES students (id) ON DELETE CASCADE,
  topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
  mastery_score numeric(5, 2) NOT NULL DEFAULT 0 CHECK (mastery_score BETWEEN 0 AND 100),
  exercises_completed integer NOT NULL DEFAULT 0 CHECK (exercises_completed >= 0),
  exercises_total integer NOT NULL DEFAULT 0 CHECK (exercises_total >= 0),
  quiz_scores jsonb NOT NULL DEFAULT '[]',
  code_quality_avg numeric(5, 2),
  streak_days integer NOT NULL DEFAULT 0 CHECK (streak_days >= 0),
  last_activity timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Its index serves lookups by student_id too.
  UNIQUE (student_id, topic_id)
);
CREATE INDEX progress_topic_id_idx ON progress (topic_id);

CREATE TABLE chat_history (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  student_id uuid NOT NULL REFERENCES students (id) ON DELETE CASCADE,
  session_id uuid NOT NULL,
  message_type text NOT NULL CHECK (message_type IN ('student', 'agent')),
  agent_type text,
  message text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_history_student_id_idx ON chat_history (student_id);
CREATE INDEX chat_history_session_id_idx ON chat_history (session_id, created_at);

CREATE TABLE struggle_alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  student_id uuid NOT NULL REFERENCES students (id) ON DELETE CASCADE,
  teacher_id uuid REFERENCES teachers (id) ON DELETE SET NULL,
  trigger_type text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  context jsonb NOT NULL DEFAULT '{}',
  is_resolved boolean NOT NULL DEFAULT false,
  resolved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX struggle_alerts_student_id_idx ON struggle_alerts (student_id);
CREATE INDEX struggle_alerts_teacher_id_idx ON struggle_alerts (teacher_id);
-- A teacher's open alerts, the dashboard's main query.
CREATE INDEX struggle_alerts_unresolved_idx ON struggle_alerts (teacher_id, created_at) WHERE NOT is_resolved;

CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION learnflow_set_updated_at();
CREATE TRIGGER students_updated_at BEFORE UPDATE ON students FOR EACH ROW EXECUTE FUNCTION learnflow_set_updated_at();
CREATE TRIGGER teachers_updated_at BEFORE UPDATE ON teachers FOR EACH ROW EXECUTE FUNCTION learnflow_set_updated_at();
CREATE TRIGGER exercises_updated_at BEFORE UPDATE ON exercises FOR EACH ROW EXECUTE FUNCTION learnflow_set_updated_at();
CREATE TRIGGER progress_updated_at BEFORE UPDATE ON progress FOR EACH ROW EXECUTE FUNCTION learnflow_set_updated_at();

-- Down Migration

DROP TABLE struggle_alerts;
DROP TABLE chat_history;
DROP TABLE progress;
DROP TABLE submissions;
DROP TABLE exercises;
DROP TABLE topics;
DROP TABLE teachers;
DROP TABLE students;
DROP TABLE users;
DROP FUNCTION learnflow_set_updated_at();
