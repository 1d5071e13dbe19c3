/** A problem found in a runbook, reported as `file:line:col: message` like a compiler does. */

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export interface Problem {
  file: string;
  /** Absent for problems with the file as a whole, like one that cannot be read. */
  position?: SourcePosition;
  message: string;
}

export function formatProblem(problem: Problem): string {
  const { file, position, message } = problem;
  return position ? `${file}:${position.line}:${position.col}: ${message}` : `${file}: ${message}`;
}

/** Sorts by position (file-wide problems first), keeping the order of problems at the same spot. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const key = (problem: Problem) => [problem.position?.line ?? 0, problem.position?.col ?? 0] as const;
  return [...problems].sort((a, b) => {
    const [lineA, colA] = key(a);
    const [lineB, colB] = key(b);
    return lineA - lineB || colA - colB;
  });
}
