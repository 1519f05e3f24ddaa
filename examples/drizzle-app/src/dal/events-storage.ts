/**
 * Storage layer of the scheduler: events (scripts run on a schedule, locally
 * or on remote servers), workflows chaining events together, and run logs.
 */
import { asc, count, desc, eq, max, sql } from 'drizzle-orm';

import { db } from '../db';
import {
  conditionalActions,
  envVars,
  eventServers,
  events,
  logs,
  servers,
  users,
  workflowConnections,
  workflowEvents,
  workflowNodes,
  workflows,
  type ConditionalAction,
  type EnvVar,
  type Event,
  type Log,
  type Server,
  type Workflow,
  type WorkflowConnection,
  type WorkflowEvent,
  type WorkflowNode,
} from '../db/schema';

export type EventWithRelations = Event & {
  envVars: EnvVar[];
  server: Server | null;
  servers: Server[];
  onSuccessActions: ConditionalAction[];
  onFailActions: ConditionalAction[];
  alwaysActions: ConditionalAction[];
  recentLogs: Log[];
};

export type WorkflowNodeWithEvent = WorkflowNode & { event: Event | null };

export type WorkflowWithRelations = Workflow & {
  nodes: WorkflowNodeWithEvent[];
  connections: WorkflowConnection[];
  workflowEvents: WorkflowEvent[];
};

export type WorkflowWithStats = Workflow & {
  executionCount: number;
  successCount: number;
  lastExecutedAt: Date | null;
};

export interface CreateEventInput {
  userId: string;
  name: string;
  description?: string | null;
  type: Event['type'];
  content?: string | null;
  status?: Event['status'];
  scheduleNumber?: number;
  scheduleUnit?: Event['scheduleUnit'];
  runLocation?: Event['runLocation'];
  tags?: string[];
  envVars?: { key: string; value: string }[];
  serverIds?: number[];
}

export interface EventRunResult {
  status: 'SUCCESS' | 'FAILURE' | 'TIMEOUT';
  output?: string | null;
  error?: string | null;
  startTime: Date;
  endTime: Date;
  workflowId?: number | null;
}

export interface DashboardStats {
  totalEvents: number;
  activeEvents: number;
  pausedEvents: number;
  draftEvents: number;
  totalServers: number;
  onlineServers: number;
  totalWorkflows: number;
  eventsWithRecentFailures: number;
  recentActivity: Log[];
}

export async function getEvent(id: number): Promise<Event | null> {
  const [event] = await db.select().from(events).where(eq(events.id, id));
  return event ?? null;
}

export async function getEventWithRelations(id: number): Promise<EventWithRelations | null> {
  const [event] = await db.select().from(events).where(eq(events.id, id));
  if (!event) {
    return null;
  }

  const eventEnvVars = await db.select().from(envVars).where(eq(envVars.eventId, id)).orderBy(asc(envVars.id));

  let server: Server | null = null;
  if (event.serverId) {
    const [row] = await db.select().from(servers).where(eq(servers.id, event.serverId));
    server = row ?? null;
  }

  const serverLinks = await db
    .select()
    .from(eventServers)
    .where(eq(eventServers.eventId, id))
    .orderBy(asc(eventServers.id));
  const eventServerList: Server[] = [];
  for (const link of serverLinks) {
    const [linked] = await db.select().from(servers).where(eq(servers.id, link.serverId));
    if (linked) {
      eventServerList.push(linked);
    }
  }

  const onSuccessActions = await db
    .select()
    .from(conditionalActions)
    .where(eq(conditionalActions.successEventId, id))
    .orderBy(asc(conditionalActions.id));
  const onFailActions = await db
    .select()
    .from(conditionalActions)
    .where(eq(conditionalActions.failEventId, id))
    .orderBy(asc(conditionalActions.id));
  const alwaysActions = await db
    .select()
    .from(conditionalActions)
    .where(eq(conditionalActions.alwaysEventId, id))
    .orderBy(asc(conditionalActions.id));

  const recentLogs = await db
    .select()
    .from(logs)
    .where(eq(logs.eventId, id))
    .orderBy(desc(logs.startTime), desc(logs.id))
    .limit(5);

  return {
    ...event,
    envVars: eventEnvVars,
    server,
    servers: eventServerList,
    onSuccessActions,
    onFailActions,
    alwaysActions,
    recentLogs,
  };
}

export async function getAllEvents(userId: string): Promise<EventWithRelations[]> {
  const userEvents = await db
    .select()
    .from(events)
    .where(eq(events.userId, userId))
    .orderBy(desc(events.createdAt), desc(events.id));

  const result: EventWithRelations[] = [];
  for (const event of userEvents) {
    const withRelations = await getEventWithRelations(event.id);
    if (withRelations) {
      result.push(withRelations);
    }
  }
  return result;
}

export async function getEventsByServerId(serverId: number): Promise<EventWithRelations[]> {
  const links = await db
    .select()
    .from(eventServers)
    .where(eq(eventServers.serverId, serverId))
    .orderBy(asc(eventServers.eventId));

  const result: EventWithRelations[] = [];
  for (const link of links) {
    const event = await getEventWithRelations(link.eventId);
    if (event) {
      result.push(event);
    }
  }
  return result;
}

export async function getLogsForEvent(
  eventId: number,
  limit = 50,
): Promise<(Log & { eventName: string })[]> {
  const rows = await db
    .select({ log: logs, eventName: events.name })
    .from(logs)
    .innerJoin(events, eq(logs.eventId, events.id))
    .where(eq(logs.eventId, eventId))
    .orderBy(desc(logs.startTime), desc(logs.id))
    .limit(limit);
  return rows.map((row) => ({ ...row.log, eventName: row.eventName }));
}

export async function createEvent(input: CreateEventInput): Promise<EventWithRelations> {
  const [event] = await db
    .insert(events)
    .values({
      userId: input.userId,
      name: input.name,
      description: input.description ?? null,
      type: input.type,
      content: input.content ?? null,
      status: input.status ?? 'DRAFT',
      scheduleNumber: input.scheduleNumber ?? 1,
      scheduleUnit: input.scheduleUnit ?? 'MINUTES',
      runLocation: input.runLocation ?? (input.serverIds?.length ? 'REMOTE' : 'LOCAL'),
      tags: input.tags ?? [],
    })
    .returning();

  for (const variable of input.envVars ?? []) {
    await db.insert(envVars).values({ eventId: event.id, key: variable.key, value: variable.value });
  }

  for (const serverId of input.serverIds ?? []) {
    await db.insert(eventServers).values({ eventId: event.id, serverId });
  }

  const created = await getEventWithRelations(event.id);
  if (!created) {
    throw new Error(`Event ${event.id} disappeared after creation`);
  }
  return created;
}

/** Writes the run log and bumps the event's counters atomically. */
export async function recordEventRun(eventId: number, run: EventRunResult): Promise<Log> {
  return await db.transaction(async (tx) => {
    const [event] = await tx.select().from(events).where(eq(events.id, eventId)).for('update');
    if (!event) {
      throw new Error(`Event ${eventId} not found`);
    }

    const [log] = await tx
      .insert(logs)
      .values({
        eventId,
        workflowId: run.workflowId ?? null,
        userId: event.userId,
        status: run.status,
        output: run.output ?? null,
        error: run.error ?? null,
        startTime: run.startTime,
        endTime: run.endTime,
        duration: run.endTime.getTime() - run.startTime.getTime(),
      })
      .returning();

    await tx
      .update(events)
      .set({
        lastRunAt: run.startTime,
        successCount: run.status === 'SUCCESS' ? sql`${events.successCount} + 1` : events.successCount,
        failureCount: run.status === 'SUCCESS' ? events.failureCount : sql`${events.failureCount} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(events.id, eventId));

    return log;
  });
}

export async function getWorkflowWithRelations(id: number): Promise<WorkflowWithRelations | null> {
  const [workflow] = await db.select().from(workflows).where(eq(workflows.id, id));
  if (!workflow) {
    return null;
  }

  const nodes = await db
    .select()
    .from(workflowNodes)
    .where(eq(workflowNodes.workflowId, id))
    .orderBy(asc(workflowNodes.id));
  const connections = await db
    .select()
    .from(workflowConnections)
    .where(eq(workflowConnections.workflowId, id))
    .orderBy(asc(workflowConnections.id));
  const triggeredEvents = await db
    .select()
    .from(workflowEvents)
    .where(eq(workflowEvents.workflowId, id))
    .orderBy(asc(workflowEvents.executionOrder), asc(workflowEvents.id));

  const nodesWithEvents: WorkflowNodeWithEvent[] = [];
  for (const node of nodes) {
    const [event] = await db.select().from(events).where(eq(events.id, node.eventId));
    nodesWithEvents.push({ ...node, event: event ?? null });
  }

  return { ...workflow, nodes: nodesWithEvents, connections, workflowEvents: triggeredEvents };
}

/** Incoming webhook → the workflow to run. */
export async function getWorkflowByWebhookKey(webhookKey: string): Promise<WorkflowWithRelations | null> {
  const [workflow] = await db.select().from(workflows).where(eq(workflows.webhookKey, webhookKey));
  if (!workflow || workflow.status !== 'ACTIVE') {
    return null;
  }
  return await getWorkflowWithRelations(workflow.id);
}

/** Workflows list page: each workflow with its execution stats. */
export async function getWorkflowsWithStats(userId: string): Promise<WorkflowWithStats[]> {
  const userWorkflows = await db
    .select()
    .from(workflows)
    .where(eq(workflows.userId, userId))
    .orderBy(desc(workflows.updatedAt), desc(workflows.id));

  const result: WorkflowWithStats[] = [];
  for (const workflow of userWorkflows) {
    const [stats] = await db
      .select({
        executionCount: count(),
        successCount: sql<string>`COUNT(*) FILTER (WHERE ${logs.status} = 'SUCCESS')`,
        lastExecutedAt: max(logs.startTime),
      })
      .from(logs)
      .where(eq(logs.workflowId, workflow.id));

    result.push({
      ...workflow,
      executionCount: Number(stats?.executionCount ?? 0),
      successCount: Number(stats?.successCount ?? 0),
      lastExecutedAt: stats?.lastExecutedAt ?? null,
    });
  }
  return result;
}

export async function getDashboardStats(userId: string): Promise<DashboardStats> {
  const allEvents = await getAllEvents(userId);
  const userServers = await db.select().from(servers).where(eq(servers.userId, userId));
  const userWorkflows = await db.select({ id: workflows.id }).from(workflows).where(eq(workflows.userId, userId));
  const recentActivity = await db
    .select()
    .from(logs)
    .where(eq(logs.userId, userId))
    .orderBy(desc(logs.startTime), desc(logs.id))
    .limit(10);

  return {
    totalEvents: allEvents.length,
    activeEvents: allEvents.filter((e) => e.status === 'ACTIVE').length,
    pausedEvents: allEvents.filter((e) => e.status === 'PAUSED').length,
    draftEvents: allEvents.filter((e) => e.status === 'DRAFT').length,
    totalServers: userServers.length,
    onlineServers: userServers.filter((s) => s.online).length,
    totalWorkflows: userWorkflows.length,
    eventsWithRecentFailures: allEvents.filter((e) => e.recentLogs.some((l) => l.status === 'FAILURE')).length,
    recentActivity,
  };
}

/** Admin: remove a user and everything they own. */
export async function deleteUser(userId: string): Promise<boolean> {
  const userEvents = await db.select({ id: events.id }).from(events).where(eq(events.userId, userId));
  for (const event of userEvents) {
    await db.delete(logs).where(eq(logs.eventId, event.id));
    await db.delete(envVars).where(eq(envVars.eventId, event.id));
    await db.delete(eventServers).where(eq(eventServers.eventId, event.id));
    await db.delete(events).where(eq(events.id, event.id));
  }

  const userWorkflows = await db.select({ id: workflows.id }).from(workflows).where(eq(workflows.userId, userId));
  for (const workflow of userWorkflows) {
    await db.delete(workflowConnections).where(eq(workflowConnections.workflowId, workflow.id));
    await db.delete(workflowNodes).where(eq(workflowNodes.workflowId, workflow.id));
    await db.delete(workflowEvents).where(eq(workflowEvents.workflowId, workflow.id));
    await db.delete(workflows).where(eq(workflows.id, workflow.id));
  }

  await db.delete(servers).where(eq(servers.userId, userId));
  const deleted = await db.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
  return deleted.length > 0;
}
