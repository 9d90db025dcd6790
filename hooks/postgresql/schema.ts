/**
 * The tables and columns services rely on (docs/contract.md): what the migrations must create and
 * the PostgreSQL check verifies. A test keeps this equal to what migrations/ create.
 */
export const expectedTables: Readonly<Record<string, readonly string[]>> = {
  users: ['id', 'email', 'password_hash', 'role', 'full_name', 'is_active', 'created_at', 'updated_at', 'seed_id'],
  students: ['id', 'user_id', 'grade_level', 'learning_pace', 'created_at', 'updated_at'],
  teachers: ['id', 'user_id', 'subject_expertise', 'years_experience', 'created_at', 'updated_at'],
  topics: ['id', 'module_number', 'module_name', 'topic_name', 'description', 'difficulty_level', 'prerequisites', 'created_at', 'seed_id'],
  exercises: [
    'id',
    'topic_id',
    'title',
    'description',
    'starter_code',
    'solution_code',
    'test_cases',
    'difficulty',
    'points',
    'time_limit_seconds',
    'created_by',
    'created_at',
    'updated_at',
  ],
  submissions: ['id', 'student_id', 'exercise_id', 'code', 'status', 'test_results', 'execution_time_ms', 'submitted_at', 'graded_at'],
  progress: [
    'id',
    'student_id',
    'topic_id',
    'mastery_score',
    'exercises_completed',
    'exercises_total',
    'quiz_scores',
    'code_quality_avg',
    'streak_days',
    'last_activity',
    'updated_at',
  ],
  chat_history: ['id', 'student_id', 'session_id', 'message_type', 'agent_type', 'message', 'metadata', 'created_at'],
  struggle_alerts: ['id', 'student_id', 'teacher_id', 'trigger_type', 'severity', 'context', 'is_resolved', 'resolved_at', 'created_at'],
};

/** What is missing from the schema: "table x", "column x.y". Pure, for the check to report. */
export function schemaDifferences(actual: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  return Object.entries(expectedTables).flatMap(([table, columns]) => {
    const present = actual.get(table);
    if (!present) return [`table ${table} is missing`];
    return columns.filter((column) => !present.has(column)).map((column) => `column ${table}.${column} is missing`);
  });
}
