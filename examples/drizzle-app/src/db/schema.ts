import { relations } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  serial,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

// ---------------------------------------------------------------------------
// Shared column helpers
// ---------------------------------------------------------------------------

const createdAt = () => timestamp('created_at', { withTimezone: true }).defaultNow().notNull();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).defaultNow().notNull();

// ---------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------

export const subscriptionStatusEnum = pgEnum('subscription_status', [
  'active',
  'trialing',
  'past_due',
  'canceled',
]);

export const creditTransactionTypeEnum = pgEnum('credit_transaction_type', [
  'earned',
  'spent',
  'refund',
  'bonus',
]);

export const renderStatusEnum = pgEnum('render_status', [
  'pending',
  'processing',
  'completed',
  'failed',
]);

export const executionStatusEnum = pgEnum('execution_status', [
  'pending',
  'processing',
  'completed',
  'failed',
]);

// ---------------------------------------------------------------------------
// Users & billing
// ---------------------------------------------------------------------------

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull().unique(),
    name: text('name'),
    avatarUrl: text('avatar_url'),
    bio: text('bio'),
    isActive: boolean('is_active').default(true).notNull(),
    isAdmin: boolean('is_admin').default(false).notNull(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
);

export const subscriptionPlans = pgTable('subscription_plans', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  description: text('description'),
  priceCents: integer('price_cents').notNull(),
  interval: text('interval', { enum: ['month', 'year'] }).default('month').notNull(),
  creditsPerMonth: integer('credits_per_month').notNull(),
  isActive: boolean('is_active').default(true).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const userSubscriptions = pgTable(
  'user_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    planId: uuid('plan_id')
      .notNull()
      .references(() => subscriptionPlans.id),
    status: subscriptionStatusEnum('status').default('active').notNull(),
    currentPeriodStart: timestamp('current_period_start', { withTimezone: true }).notNull(),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }).notNull(),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').default(false).notNull(),
    stripeSubscriptionId: text('stripe_subscription_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_user_subscriptions_user_status').on(t.userId, t.status)],
);

export const userCredits = pgTable('user_credits', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id')
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: 'cascade' }),
  balance: integer('balance').default(0).notNull(),
  totalEarned: integer('total_earned').default(0).notNull(),
  totalSpent: integer('total_spent').default(0).notNull(),
  lastResetAt: timestamp('last_reset_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const creditTransactions = pgTable(
  'credit_transactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    amount: integer('amount').notNull(),
    type: creditTransactionTypeEnum('type').notNull(),
    description: text('description'),
    referenceType: text('reference_type'),
    referenceId: text('reference_id'),
    createdAt: createdAt(),
  },
  (t) => [index('idx_credit_transactions_user_created').on(t.userId, t.createdAt)],
);

// ---------------------------------------------------------------------------
// Projects, renders & chains
// ---------------------------------------------------------------------------

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    isPublic: boolean('is_public').default(false).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('projects_user_slug_unique').on(t.userId, t.slug)],
);

export const renderChains = pgTable(
  'render_chains',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_render_chains_project').on(t.projectId)],
);

export type RenderSettings = {
  imageType?: string;
  style?: string;
  quality?: 'standard' | 'high' | 'ultra';
  aspectRatio?: string;
  seed?: number;
};

export const renders = pgTable(
  'renders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ['image', 'video'] }).default('image').notNull(),
    prompt: text('prompt').notNull(),
    settings: jsonb('settings').$type<RenderSettings>().default({}).notNull(),
    status: renderStatusEnum('status').default('pending').notNull(),
    outputUrl: text('output_url'),
    errorMessage: text('error_message'),
    parentRenderId: uuid('parent_render_id').references((): AnyPgColumn => renders.id, {
      onDelete: 'set null',
    }),
    referenceRenderId: uuid('reference_render_id').references((): AnyPgColumn => renders.id, {
      onDelete: 'set null',
    }),
    chainId: uuid('chain_id').references(() => renderChains.id, { onDelete: 'set null' }),
    chainPosition: integer('chain_position'),
    platform: text('platform').default('render').notNull(),
    isPublic: boolean('is_public').default(false).notNull(),
    creditsCost: integer('credits_cost').default(1).notNull(),
    processingTimeMs: integer('processing_time_ms'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('idx_renders_user_created').on(t.userId, t.createdAt),
    index('idx_renders_project_created').on(t.projectId, t.createdAt),
    index('idx_renders_chain_position').on(t.chainId, t.chainPosition),
  ],
);

// ---------------------------------------------------------------------------
// Canvas
// ---------------------------------------------------------------------------

export type CanvasNode = { id: string; type: string; x: number; y: number; data?: Record<string, unknown> };
export type CanvasConnection = { id: string; source: string; target: string };
export type CanvasViewport = { x: number; y: number; zoom: number };

export const canvasFiles = pgTable(
  'canvas_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    description: text('description'),
    thumbnailUrl: text('thumbnail_url'),
    version: integer('version').default(1).notNull(),
    isActive: boolean('is_active').default(true).notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_canvas_files_project_active_updated').on(t.projectId, t.isActive, t.updatedAt)],
);

export const canvasGraphs = pgTable(
  'canvas_graphs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    fileId: uuid('file_id').references(() => canvasFiles.id, { onDelete: 'cascade' }),
    chainId: uuid('chain_id').references(() => renderChains.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    nodes: jsonb('nodes').$type<CanvasNode[]>().default([]).notNull(),
    connections: jsonb('connections').$type<CanvasConnection[]>().default([]).notNull(),
    viewport: jsonb('viewport').$type<CanvasViewport>(),
    version: integer('version').default(1).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_canvas_graphs_file').on(t.fileId), index('idx_canvas_graphs_chain').on(t.chainId)],
);

// ---------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------

export const tools = pgTable(
  'tools',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull().unique(),
    name: text('name').notNull(),
    description: text('description'),
    category: text('category').notNull(),
    outputType: text('output_type', { enum: ['image', 'video', '3d', 'audio'] }).notNull(),
    status: text('status', { enum: ['online', 'offline', 'beta'] }).default('online').notNull(),
    isActive: boolean('is_active').default(true).notNull(),
    creditsCost: integer('credits_cost').default(1).notNull(),
    settingsSchema: jsonb('settings_schema').$type<Record<string, unknown>>(),
    defaultSettings: jsonb('default_settings').$type<Record<string, unknown>>(),
    sortOrder: integer('sort_order').default(0).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_tools_category_status_active').on(t.category, t.status, t.isActive)],
);

export const toolExecutions = pgTable(
  'tool_executions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    toolId: uuid('tool_id')
      .notNull()
      .references(() => tools.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'set null' }),
    status: executionStatusEnum('status').default('pending').notNull(),
    inputSettings: jsonb('input_settings').$type<Record<string, unknown>>().default({}).notNull(),
    outputRenderId: uuid('output_render_id').references(() => renders.id, { onDelete: 'set null' }),
    errorMessage: text('error_message'),
    creditsCost: integer('credits_cost').default(0).notNull(),
    batchGroupId: text('batch_group_id'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('idx_tool_executions_user_created').on(t.userId, t.createdAt),
    index('idx_tool_executions_batch_group_status').on(t.batchGroupId, t.status),
  ],
);

export const toolSettingsTemplates = pgTable(
  'tool_settings_templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    toolId: uuid('tool_id')
      .notNull()
      .references(() => tools.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    settings: jsonb('settings').$type<Record<string, unknown>>().default({}).notNull(),
    isDefault: boolean('is_default').default(false).notNull(),
    usageCount: integer('usage_count').default(0).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_tool_settings_templates_tool_user_default').on(t.toolId, t.userId, t.isDefault)],
);

// ---------------------------------------------------------------------------
// Ambassador programme
// ---------------------------------------------------------------------------

export const ambassadors = pgTable('ambassadors', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id')
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: 'cascade' }),
  code: text('code').notNull().unique(),
  status: text('status', { enum: ['pending', 'active', 'suspended'] }).default('pending').notNull(),
  commissionPercentage: numeric('commission_percentage', { precision: 5, scale: 2 }).default('20.00').notNull(),
  totalReferrals: integer('total_referrals').default(0).notNull(),
  activeReferrals: integer('active_referrals').default(0).notNull(),
  totalEarnings: integer('total_earnings').default(0).notNull(),
  pendingEarnings: integer('pending_earnings').default(0).notNull(),
  paidEarnings: integer('paid_earnings').default(0).notNull(),
  approvedAt: timestamp('approved_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const ambassadorLinks = pgTable('ambassador_links', {
  id: uuid('id').primaryKey().defaultRandom(),
  ambassadorId: uuid('ambassador_id')
    .notNull()
    .references(() => ambassadors.id, { onDelete: 'cascade' }),
  code: text('code').notNull().unique(),
  campaign: text('campaign'),
  clickCount: integer('click_count').default(0).notNull(),
  signupCount: integer('signup_count').default(0).notNull(),
  conversionCount: integer('conversion_count').default(0).notNull(),
  isActive: boolean('is_active').default(true).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const ambassadorPayouts = pgTable('ambassador_payouts', {
  id: uuid('id').primaryKey().defaultRandom(),
  ambassadorId: uuid('ambassador_id')
    .notNull()
    .references(() => ambassadors.id, { onDelete: 'cascade' }),
  periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
  periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
  totalCommissions: integer('total_commissions').notNull(),
  commissionCount: integer('commission_count').notNull(),
  status: text('status', { enum: ['pending', 'processing', 'paid', 'failed'] }).default('pending').notNull(),
  paymentReference: text('payment_reference'),
  paidAt: timestamp('paid_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const ambassadorReferrals = pgTable(
  'ambassador_referrals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ambassadorId: uuid('ambassador_id')
      .notNull()
      .references(() => ambassadors.id, { onDelete: 'cascade' }),
    referredUserId: uuid('referred_user_id')
      .notNull()
      .unique()
      .references(() => users.id, { onDelete: 'cascade' }),
    linkId: uuid('link_id').references(() => ambassadorLinks.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['pending', 'active', 'churned'] }).default('pending').notNull(),
    subscriptionId: uuid('subscription_id').references(() => userSubscriptions.id, { onDelete: 'set null' }),
    firstSubscriptionAt: timestamp('first_subscription_at', { withTimezone: true }),
    totalCommissionEarned: integer('total_commission_earned').default(0).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_ambassador_referrals_ambassador').on(t.ambassadorId)],
);

export const ambassadorCommissions = pgTable(
  'ambassador_commissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ambassadorId: uuid('ambassador_id')
      .notNull()
      .references(() => ambassadors.id, { onDelete: 'cascade' }),
    referralId: uuid('referral_id')
      .notNull()
      .references(() => ambassadorReferrals.id, { onDelete: 'cascade' }),
    subscriptionId: uuid('subscription_id').references(() => userSubscriptions.id, { onDelete: 'set null' }),
    paymentAmount: integer('payment_amount').notNull(),
    commissionPercentage: numeric('commission_percentage', { precision: 5, scale: 2 }).notNull(),
    commissionAmount: integer('commission_amount').notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    status: text('status', { enum: ['pending', 'paid', 'cancelled'] }).default('pending').notNull(),
    payoutId: uuid('payout_id').references(() => ambassadorPayouts.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('idx_ambassador_commissions_ambassador_status').on(t.ambassadorId, t.status),
    index('idx_ambassador_commissions_payout').on(t.payoutId),
  ],
);

// ---------------------------------------------------------------------------
// Events & workflows (scheduler app)
// ---------------------------------------------------------------------------

export const servers = pgTable('servers', {
  id: serial('id').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  address: text('address').notNull(),
  port: integer('port').default(22).notNull(),
  username: text('username').notNull(),
  online: boolean('online').default(false).notNull(),
  lastChecked: timestamp('last_checked', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const events = pgTable(
  'events',
  {
    id: serial('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    type: text('type', { enum: ['BASH', 'NODEJS', 'PYTHON', 'HTTP_REQUEST'] }).notNull(),
    content: text('content'),
    status: text('status', { enum: ['ACTIVE', 'PAUSED', 'DRAFT', 'ARCHIVED'] }).default('DRAFT').notNull(),
    scheduleNumber: integer('schedule_number').default(1).notNull(),
    scheduleUnit: text('schedule_unit', { enum: ['SECONDS', 'MINUTES', 'HOURS', 'DAYS'] })
      .default('MINUTES')
      .notNull(),
    runLocation: text('run_location', { enum: ['LOCAL', 'REMOTE'] }).default('LOCAL').notNull(),
    serverId: integer('server_id').references(() => servers.id, { onDelete: 'set null' }),
    timeoutValue: integer('timeout_value').default(30).notNull(),
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    successCount: integer('success_count').default(0).notNull(),
    failureCount: integer('failure_count').default(0).notNull(),
    tags: jsonb('tags').$type<string[]>().default([]).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
);

export const envVars = pgTable('env_vars', {
  id: serial('id').primaryKey(),
  eventId: integer('event_id')
    .notNull()
    .references(() => events.id, { onDelete: 'cascade' }),
  key: text('key').notNull(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

export const eventServers = pgTable(
  'event_servers',
  {
    id: serial('id').primaryKey(),
    eventId: integer('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    serverId: integer('server_id')
      .notNull()
      .references(() => servers.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('event_servers_event_server_unique').on(t.eventId, t.serverId)],
);

/** "On success / on failure / always" follow-up actions attached to an event. */
export const conditionalActions = pgTable('conditional_actions', {
  id: serial('id').primaryKey(),
  type: text('type', { enum: ['SCRIPT', 'SEND_MESSAGE', 'TOGGLE_EVENT'] }).notNull(),
  successEventId: integer('success_event_id').references(() => events.id, { onDelete: 'cascade' }),
  failEventId: integer('fail_event_id').references(() => events.id, { onDelete: 'cascade' }),
  alwaysEventId: integer('always_event_id').references(() => events.id, { onDelete: 'cascade' }),
  targetEventId: integer('target_event_id').references(() => events.id, { onDelete: 'cascade' }),
  message: text('message'),
  createdAt: createdAt(),
});

export const workflows = pgTable('workflows', {
  id: serial('id').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  description: text('description'),
  triggerType: text('trigger_type', { enum: ['MANUAL', 'SCHEDULE', 'WEBHOOK'] }).default('MANUAL').notNull(),
  status: text('status', { enum: ['ACTIVE', 'PAUSED', 'DRAFT', 'ARCHIVED'] }).default('DRAFT').notNull(),
  webhookKey: text('webhook_key').unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const workflowNodes = pgTable('workflow_nodes', {
  id: serial('id').primaryKey(),
  workflowId: integer('workflow_id')
    .notNull()
    .references(() => workflows.id, { onDelete: 'cascade' }),
  eventId: integer('event_id')
    .notNull()
    .references(() => events.id, { onDelete: 'cascade' }),
  positionX: integer('position_x').default(0).notNull(),
  positionY: integer('position_y').default(0).notNull(),
  createdAt: createdAt(),
});

export const workflowConnections = pgTable('workflow_connections', {
  id: serial('id').primaryKey(),
  workflowId: integer('workflow_id')
    .notNull()
    .references(() => workflows.id, { onDelete: 'cascade' }),
  sourceNodeId: integer('source_node_id')
    .notNull()
    .references(() => workflowNodes.id, { onDelete: 'cascade' }),
  targetNodeId: integer('target_node_id')
    .notNull()
    .references(() => workflowNodes.id, { onDelete: 'cascade' }),
  connectionType: text('connection_type', { enum: ['ALWAYS', 'ON_SUCCESS', 'ON_FAILURE', 'ON_CONDITION'] })
    .default('ALWAYS')
    .notNull(),
  createdAt: createdAt(),
});

/** Events triggered by a workflow, in execution order (kept next to the node graph for the scheduler). */
export const workflowEvents = pgTable(
  'workflow_events',
  {
    id: serial('id').primaryKey(),
    workflowId: integer('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    eventId: integer('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    executionOrder: integer('execution_order').default(0).notNull(),
    createdAt: createdAt(),
  },
);

export const logs = pgTable(
  'logs',
  {
    id: serial('id').primaryKey(),
    eventId: integer('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    workflowId: integer('workflow_id').references(() => workflows.id, { onDelete: 'set null' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['PENDING', 'RUNNING', 'SUCCESS', 'FAILURE', 'TIMEOUT'] }).notNull(),
    output: text('output'),
    error: text('error'),
    startTime: timestamp('start_time', { withTimezone: true }).notNull(),
    endTime: timestamp('end_time', { withTimezone: true }),
    duration: integer('duration'),
    createdAt: createdAt(),
  },
);

// ---------------------------------------------------------------------------
// The Copy (screenplay breakdown): projects / scenes / characters / shots
// ---------------------------------------------------------------------------

export const copyProjects = pgTable(
  'copy_projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    scriptContent: text('script_content'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_copy_projects_user_updated').on(t.userId, t.updatedAt)],
);

export const scenes = pgTable(
  'scenes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => copyProjects.id, { onDelete: 'cascade' }),
    sceneNumber: integer('scene_number').notNull(),
    title: text('title').notNull(),
    location: text('location').notNull(),
    timeOfDay: text('time_of_day').notNull(),
    characters: jsonb('characters').$type<string[]>().default([]).notNull(),
    description: text('description'),
    shotCount: integer('shot_count').default(0).notNull(),
    status: text('status', { enum: ['planned', 'in-progress', 'completed'] }).default('planned').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_scenes_project_number').on(t.projectId, t.sceneNumber)],
);

export const characters = pgTable(
  'characters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => copyProjects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    appearances: integer('appearances').default(0).notNull(),
    consistencyStatus: text('consistency_status', { enum: ['good', 'warning', 'issue'] }).default('good').notNull(),
    lastSeen: text('last_seen'),
    notes: text('notes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_characters_project').on(t.projectId)],
);

export const shots = pgTable(
  'shots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sceneId: uuid('scene_id')
      .notNull()
      .references(() => scenes.id, { onDelete: 'cascade' }),
    shotNumber: integer('shot_number').notNull(),
    shotType: text('shot_type').notNull(),
    cameraAngle: text('camera_angle').notNull(),
    cameraMovement: text('camera_movement'),
    lighting: text('lighting'),
    aiSuggestion: text('ai_suggestion'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_shots_scene_number').on(t.sceneId, t.shotNumber)],
);

// ---------------------------------------------------------------------------
// Relations (for db.query.<table>.findMany({ with }))
// ---------------------------------------------------------------------------

export const usersRelations = relations(users, ({ one, many }) => ({
  credits: one(userCredits, { fields: [users.id], references: [userCredits.userId] }),
  subscriptions: many(userSubscriptions),
  creditTransactions: many(creditTransactions),
  projects: many(projects),
  renders: many(renders),
  ambassador: one(ambassadors, { fields: [users.id], references: [ambassadors.userId] }),
  events: many(events),
  servers: many(servers),
  workflows: many(workflows),
  copyProjects: many(copyProjects),
}));

export const subscriptionPlansRelations = relations(subscriptionPlans, ({ many }) => ({
  subscriptions: many(userSubscriptions),
}));

export const userSubscriptionsRelations = relations(userSubscriptions, ({ one }) => ({
  user: one(users, { fields: [userSubscriptions.userId], references: [users.id] }),
  plan: one(subscriptionPlans, { fields: [userSubscriptions.planId], references: [subscriptionPlans.id] }),
}));

export const userCreditsRelations = relations(userCredits, ({ one }) => ({
  user: one(users, { fields: [userCredits.userId], references: [users.id] }),
}));

export const creditTransactionsRelations = relations(creditTransactions, ({ one }) => ({
  user: one(users, { fields: [creditTransactions.userId], references: [users.id] }),
}));

export const projectsRelations = relations(projects, ({ one, many }) => ({
  user: one(users, { fields: [projects.userId], references: [users.id] }),
  renders: many(renders),
  chains: many(renderChains),
  canvasFiles: many(canvasFiles),
}));

export const renderChainsRelations = relations(renderChains, ({ one, many }) => ({
  project: one(projects, { fields: [renderChains.projectId], references: [projects.id] }),
  renders: many(renders),
  canvasGraphs: many(canvasGraphs),
}));

export const rendersRelations = relations(renders, ({ one }) => ({
  project: one(projects, { fields: [renders.projectId], references: [projects.id] }),
  user: one(users, { fields: [renders.userId], references: [users.id] }),
  chain: one(renderChains, { fields: [renders.chainId], references: [renderChains.id] }),
  parentRender: one(renders, {
    fields: [renders.parentRenderId],
    references: [renders.id],
    relationName: 'render_parent',
  }),
  referenceRender: one(renders, {
    fields: [renders.referenceRenderId],
    references: [renders.id],
    relationName: 'render_reference',
  }),
}));

export const canvasFilesRelations = relations(canvasFiles, ({ one, many }) => ({
  project: one(projects, { fields: [canvasFiles.projectId], references: [projects.id] }),
  user: one(users, { fields: [canvasFiles.userId], references: [users.id] }),
  graphs: many(canvasGraphs),
}));

export const canvasGraphsRelations = relations(canvasGraphs, ({ one }) => ({
  file: one(canvasFiles, { fields: [canvasGraphs.fileId], references: [canvasFiles.id] }),
  chain: one(renderChains, { fields: [canvasGraphs.chainId], references: [renderChains.id] }),
  project: one(projects, { fields: [canvasGraphs.projectId], references: [projects.id] }),
}));

export const toolsRelations = relations(tools, ({ many }) => ({
  executions: many(toolExecutions),
  templates: many(toolSettingsTemplates),
}));

export const toolExecutionsRelations = relations(toolExecutions, ({ one }) => ({
  tool: one(tools, { fields: [toolExecutions.toolId], references: [tools.id] }),
  user: one(users, { fields: [toolExecutions.userId], references: [users.id] }),
  project: one(projects, { fields: [toolExecutions.projectId], references: [projects.id] }),
  outputRender: one(renders, { fields: [toolExecutions.outputRenderId], references: [renders.id] }),
}));

export const toolSettingsTemplatesRelations = relations(toolSettingsTemplates, ({ one }) => ({
  tool: one(tools, { fields: [toolSettingsTemplates.toolId], references: [tools.id] }),
  user: one(users, { fields: [toolSettingsTemplates.userId], references: [users.id] }),
}));

export const ambassadorsRelations = relations(ambassadors, ({ one, many }) => ({
  user: one(users, { fields: [ambassadors.userId], references: [users.id] }),
  links: many(ambassadorLinks),
  referrals: many(ambassadorReferrals),
  commissions: many(ambassadorCommissions),
  payouts: many(ambassadorPayouts),
}));

export const ambassadorLinksRelations = relations(ambassadorLinks, ({ one, many }) => ({
  ambassador: one(ambassadors, { fields: [ambassadorLinks.ambassadorId], references: [ambassadors.id] }),
  referrals: many(ambassadorReferrals),
}));

export const ambassadorReferralsRelations = relations(ambassadorReferrals, ({ one, many }) => ({
  ambassador: one(ambassadors, { fields: [ambassadorReferrals.ambassadorId], references: [ambassadors.id] }),
  referredUser: one(users, { fields: [ambassadorReferrals.referredUserId], references: [users.id] }),
  link: one(ambassadorLinks, { fields: [ambassadorReferrals.linkId], references: [ambassadorLinks.id] }),
  subscription: one(userSubscriptions, {
    fields: [ambassadorReferrals.subscriptionId],
    references: [userSubscriptions.id],
  }),
  commissions: many(ambassadorCommissions),
}));

export const ambassadorCommissionsRelations = relations(ambassadorCommissions, ({ one }) => ({
  ambassador: one(ambassadors, { fields: [ambassadorCommissions.ambassadorId], references: [ambassadors.id] }),
  referral: one(ambassadorReferrals, {
    fields: [ambassadorCommissions.referralId],
    references: [ambassadorReferrals.id],
  }),
  payout: one(ambassadorPayouts, { fields: [ambassadorCommissions.payoutId], references: [ambassadorPayouts.id] }),
}));

export const ambassadorPayoutsRelations = relations(ambassadorPayouts, ({ one, many }) => ({
  ambassador: one(ambassadors, { fields: [ambassadorPayouts.ambassadorId], references: [ambassadors.id] }),
  commissions: many(ambassadorCommissions),
}));

export const serversRelations = relations(servers, ({ one, many }) => ({
  user: one(users, { fields: [servers.userId], references: [users.id] }),
  eventServers: many(eventServers),
}));

export const eventsRelations = relations(events, ({ one, many }) => ({
  user: one(users, { fields: [events.userId], references: [users.id] }),
  server: one(servers, { fields: [events.serverId], references: [servers.id] }),
  envVars: many(envVars),
  eventServers: many(eventServers),
  logs: many(logs),
  onSuccessActions: many(conditionalActions, { relationName: 'success_actions' }),
  onFailActions: many(conditionalActions, { relationName: 'fail_actions' }),
  alwaysActions: many(conditionalActions, { relationName: 'always_actions' }),
}));

export const envVarsRelations = relations(envVars, ({ one }) => ({
  event: one(events, { fields: [envVars.eventId], references: [events.id] }),
}));

export const eventServersRelations = relations(eventServers, ({ one }) => ({
  event: one(events, { fields: [eventServers.eventId], references: [events.id] }),
  server: one(servers, { fields: [eventServers.serverId], references: [servers.id] }),
}));

export const conditionalActionsRelations = relations(conditionalActions, ({ one }) => ({
  successEvent: one(events, {
    fields: [conditionalActions.successEventId],
    references: [events.id],
    relationName: 'success_actions',
  }),
  failEvent: one(events, {
    fields: [conditionalActions.failEventId],
    references: [events.id],
    relationName: 'fail_actions',
  }),
  alwaysEvent: one(events, {
    fields: [conditionalActions.alwaysEventId],
    references: [events.id],
    relationName: 'always_actions',
  }),
}));

export const workflowsRelations = relations(workflows, ({ one, many }) => ({
  user: one(users, { fields: [workflows.userId], references: [users.id] }),
  nodes: many(workflowNodes),
  connections: many(workflowConnections),
  workflowEvents: many(workflowEvents),
  logs: many(logs),
}));

export const workflowNodesRelations = relations(workflowNodes, ({ one }) => ({
  workflow: one(workflows, { fields: [workflowNodes.workflowId], references: [workflows.id] }),
  event: one(events, { fields: [workflowNodes.eventId], references: [events.id] }),
}));

export const workflowConnectionsRelations = relations(workflowConnections, ({ one }) => ({
  workflow: one(workflows, { fields: [workflowConnections.workflowId], references: [workflows.id] }),
  sourceNode: one(workflowNodes, {
    fields: [workflowConnections.sourceNodeId],
    references: [workflowNodes.id],
    relationName: 'connection_source',
  }),
  targetNode: one(workflowNodes, {
    fields: [workflowConnections.targetNodeId],
    references: [workflowNodes.id],
    relationName: 'connection_target',
  }),
}));

export const workflowEventsRelations = relations(workflowEvents, ({ one }) => ({
  workflow: one(workflows, { fields: [workflowEvents.workflowId], references: [workflows.id] }),
  event: one(events, { fields: [workflowEvents.eventId], references: [events.id] }),
}));

export const logsRelations = relations(logs, ({ one }) => ({
  event: one(events, { fields: [logs.eventId], references: [events.id] }),
  workflow: one(workflows, { fields: [logs.workflowId], references: [workflows.id] }),
}));

export const copyProjectsRelations = relations(copyProjects, ({ one, many }) => ({
  user: one(users, { fields: [copyProjects.userId], references: [users.id] }),
  scenes: many(scenes),
  characters: many(characters),
}));

export const scenesRelations = relations(scenes, ({ one, many }) => ({
  project: one(copyProjects, { fields: [scenes.projectId], references: [copyProjects.id] }),
  shots: many(shots),
}));

export const charactersRelations = relations(characters, ({ one }) => ({
  project: one(copyProjects, { fields: [characters.projectId], references: [copyProjects.id] }),
}));

export const shotsRelations = relations(shots, ({ one }) => ({
  scene: one(scenes, { fields: [shots.sceneId], references: [scenes.id] }),
}));

// ---------------------------------------------------------------------------
// Row types
// ---------------------------------------------------------------------------

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type SubscriptionPlan = typeof subscriptionPlans.$inferSelect;
export type UserSubscription = typeof userSubscriptions.$inferSelect;
export type UserCredits = typeof userCredits.$inferSelect;
export type CreditTransaction = typeof creditTransactions.$inferSelect;
export type Project = typeof projects.$inferSelect;
export type NewProject = typeof projects.$inferInsert;
export type RenderChain = typeof renderChains.$inferSelect;
export type NewRenderChain = typeof renderChains.$inferInsert;
export type Render = typeof renders.$inferSelect;
export type NewRender = typeof renders.$inferInsert;
export type RenderStatus = (typeof renderStatusEnum.enumValues)[number];
export type CanvasFile = typeof canvasFiles.$inferSelect;
export type NewCanvasFile = typeof canvasFiles.$inferInsert;
export type CanvasGraph = typeof canvasGraphs.$inferSelect;
export type Tool = typeof tools.$inferSelect;
export type ToolExecution = typeof toolExecutions.$inferSelect;
export type NewToolExecution = typeof toolExecutions.$inferInsert;
export type ExecutionStatus = (typeof executionStatusEnum.enumValues)[number];
export type ToolSettingsTemplate = typeof toolSettingsTemplates.$inferSelect;
export type Ambassador = typeof ambassadors.$inferSelect;
export type AmbassadorLink = typeof ambassadorLinks.$inferSelect;
export type AmbassadorReferral = typeof ambassadorReferrals.$inferSelect;
export type AmbassadorCommission = typeof ambassadorCommissions.$inferSelect;
export type AmbassadorPayout = typeof ambassadorPayouts.$inferSelect;
export type Server = typeof servers.$inferSelect;
export type Event = typeof events.$inferSelect;
export type EnvVar = typeof envVars.$inferSelect;
export type ConditionalAction = typeof conditionalActions.$inferSelect;
export type Workflow = typeof workflows.$inferSelect;
export type WorkflowNode = typeof workflowNodes.$inferSelect;
export type WorkflowConnection = typeof workflowConnections.$inferSelect;
export type WorkflowEvent = typeof workflowEvents.$inferSelect;
export type Log = typeof logs.$inferSelect;
export type CopyProject = typeof copyProjects.$inferSelect;
export type Scene = typeof scenes.$inferSelect;
export type NewScene = typeof scenes.$inferInsert;
export type Character = typeof characters.$inferSelect;
export type Shot = typeof shots.$inferSelect;
export type NewShot = typeof shots.$inferInsert;
