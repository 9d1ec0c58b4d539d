import type { PasscodeClient, PasscodeSnapshot } from "@cognito-passcode/client";

/** The client the page drives. */
export type Client = PasscodeClient;
/** Everything the client can tell the page: the screen to show. */
export type Snapshot = PasscodeSnapshot;
/** The snapshot in one status. */
export type SnapshotOf<S extends Snapshot["status"]> = Extract<Snapshot, { status: S }>;
