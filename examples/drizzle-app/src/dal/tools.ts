import { and, asc, desc, eq, ne } from 'drizzle-orm';

import { db } from '../db';
import {
  toolExecutions,
  toolSettingsTemplates,
  tools,
  type ExecutionStatus,
  type NewToolExecution,
  type Tool,
  type ToolExecution,
  type ToolSettingsTemplate,
} from '../db/schema';

export interface CreateExecutionInput {
  toolId: string;
  userId: string;
  projectId?: string | null;
  inputSettings?: Record<string, unknown>;
  creditsCost?: number;
}

export interface CreateTemplateInput {
  toolId: string;
  userId: string;
  name: string;
  settings: Record<string, unknown>;
  isDefault?: boolean;
}

export interface UpdateTemplateInput {
  name?: string;
  settings?: Record<string, unknown>;
  isDefault?: boolean;
}

export interface ExecutionWithTool {
  execution: ToolExecution;
  tool: Tool | null;
}

export class ToolsDAL {
  // -------------------------------------------------------------------------
  // Tools catalogue
  // -------------------------------------------------------------------------

  /** Uses idx_tools_category_status_active. */
  static async getAllTools(): Promise<Tool[]> {
    return await db
      .select()
      .from(tools)
      .where(eq(tools.isActive, true))
      .orderBy(asc(tools.sortOrder), asc(tools.name));
  }

  static async getToolBySlug(slug: string): Promise<Tool | null> {
    const [tool] = await db.select().from(tools).where(eq(tools.slug, slug)).limit(1);
    return tool ?? null;
  }

  static async getToolById(id: string): Promise<Tool | null> {
    const [tool] = await db.select().from(tools).where(eq(tools.id, id)).limit(1);
    return tool ?? null;
  }

  static async getToolsByCategory(category: string): Promise<Tool[]> {
    return await db
      .select()
      .from(tools)
      .where(and(eq(tools.category, category), eq(tools.isActive, true), ne(tools.status, 'offline')))
      .orderBy(asc(tools.sortOrder), asc(tools.name));
  }

  // -------------------------------------------------------------------------
  // Executions
  // -------------------------------------------------------------------------

  static async createExecution(input: CreateExecutionInput): Promise<ToolExecution> {
    const [execution] = await db
      .insert(toolExecutions)
      .values({
        toolId: input.toolId,
        userId: input.userId,
        projectId: input.projectId ?? null,
        inputSettings: input.inputSettings ?? {},
        creditsCost: input.creditsCost ?? 0,
      })
      .returning();
    return execution;
  }

  /** Batch mode: one multi-row INSERT for all executions of the batch. */
  static async createExecutionBatch(inputs: CreateExecutionInput[], batchGroupId: string): Promise<ToolExecution[]> {
    if (inputs.length === 0) {
      return [];
    }
    const values: NewToolExecution[] = inputs.map((input) => ({
      toolId: input.toolId,
      userId: input.userId,
      projectId: input.projectId ?? null,
      inputSettings: input.inputSettings ?? {},
      creditsCost: input.creditsCost ?? 0,
      batchGroupId,
    }));
    return await db.insert(toolExecutions).values(values).returning();
  }

  static async getExecutionById(id: string): Promise<ToolExecution | null> {
    const [execution] = await db.select().from(toolExecutions).where(eq(toolExecutions.id, id)).limit(1);
    return execution ?? null;
  }

  /** Admin clean-up of one execution record; false when there was none. */
  static async deleteExecution(id: string): Promise<boolean> {
    const execution = await this.getExecutionById(id);
    if (!execution) {
      return false;
    }
    await db.delete(toolExecutions).where(eq(toolExecutions.id, id));
    return true;
  }

  static async updateExecutionStatus(
    id: string,
    status: ExecutionStatus,
    details: { errorMessage?: string | null; outputRenderId?: string | null } = {},
  ): Promise<ToolExecution | null> {
    const [updated] = await db
      .update(toolExecutions)
      .set({
        status,
        errorMessage: details.errorMessage ?? null,
        ...(details.outputRenderId !== undefined && { outputRenderId: details.outputRenderId }),
        ...(status === 'completed' && { completedAt: new Date() }),
        updatedAt: new Date(),
      })
      .where(eq(toolExecutions.id, id))
      .returning();
    return updated ?? null;
  }

  /** User pressed "cancel" on a set of queued executions. */
  static async cancelExecutions(executionIds: string[]): Promise<void> {
    for (const executionId of executionIds) {
      await db
        .update(toolExecutions)
        .set({ status: 'failed', errorMessage: 'Cancelled by user', updatedAt: new Date() })
        .where(and(eq(toolExecutions.id, executionId), eq(toolExecutions.status, 'pending')));
    }
  }

  /** Status poller: executions the client is waiting on, each with its tool. */
  static async getExecutionsWithTools(executionIds: string[]): Promise<ExecutionWithTool[]> {
    const results: ExecutionWithTool[] = [];
    for (const executionId of executionIds) {
      const execution = await this.getExecutionById(executionId);
      if (!execution) {
        continue;
      }
      const tool = await this.getToolById(execution.toolId);
      results.push({ execution, tool });
    }
    return results;
  }

  /** Uses idx_tool_executions_user_created. */
  static async getUserExecutions(userId: string, limit = 20): Promise<ToolExecution[]> {
    return await db
      .select()
      .from(toolExecutions)
      .where(eq(toolExecutions.userId, userId))
      .orderBy(desc(toolExecutions.createdAt), desc(toolExecutions.id))
      .limit(limit);
  }

  /** Uses idx_tool_executions_batch_group_status. */
  static async getBatchExecutions(batchGroupId: string): Promise<ToolExecution[]> {
    return await db
      .select()
      .from(toolExecutions)
      .where(eq(toolExecutions.batchGroupId, batchGroupId))
      .orderBy(asc(toolExecutions.createdAt), asc(toolExecutions.id));
  }

  // -------------------------------------------------------------------------
  // Settings templates
  // -------------------------------------------------------------------------

  static async getTemplates(toolId: string, userId: string): Promise<ToolSettingsTemplate[]> {
    return await db
      .select()
      .from(toolSettingsTemplates)
      .where(and(eq(toolSettingsTemplates.toolId, toolId), eq(toolSettingsTemplates.userId, userId)))
      .orderBy(desc(toolSettingsTemplates.isDefault), asc(toolSettingsTemplates.name));
  }

  /** Uses idx_tool_settings_templates_tool_user_default. */
  static async getDefaultTemplate(toolId: string, userId: string): Promise<ToolSettingsTemplate | null> {
    const [template] = await db
      .select()
      .from(toolSettingsTemplates)
      .where(
        and(
          eq(toolSettingsTemplates.toolId, toolId),
          eq(toolSettingsTemplates.userId, userId),
          eq(toolSettingsTemplates.isDefault, true),
        ),
      )
      .limit(1);
    return template ?? null;
  }

  static async createTemplate(data: CreateTemplateInput): Promise<ToolSettingsTemplate> {
    // Only one default template per tool and user.
    if (data.isDefault) {
      await db
        .update(toolSettingsTemplates)
        .set({ isDefault: false, updatedAt: new Date() })
        .where(
          and(
            eq(toolSettingsTemplates.toolId, data.toolId),
            eq(toolSettingsTemplates.userId, data.userId),
            eq(toolSettingsTemplates.isDefault, true),
          ),
        );
    }

    const [template] = await db
      .insert(toolSettingsTemplates)
      .values({
        toolId: data.toolId,
        userId: data.userId,
        name: data.name,
        settings: data.settings,
        isDefault: data.isDefault ?? false,
      })
      .returning();
    return template;
  }

  static async updateTemplate(
    templateId: string,
    userId: string,
    data: UpdateTemplateInput,
  ): Promise<ToolSettingsTemplate | null> {
    const [template] = await db
      .select()
      .from(toolSettingsTemplates)
      .where(and(eq(toolSettingsTemplates.id, templateId), eq(toolSettingsTemplates.userId, userId)))
      .limit(1);

    if (data.isDefault && template) {
      await db
        .update(toolSettingsTemplates)
        .set({ isDefault: false, updatedAt: new Date() })
        .where(
          and(
            eq(toolSettingsTemplates.toolId, template.toolId),
            eq(toolSettingsTemplates.userId, userId),
            ne(toolSettingsTemplates.id, templateId),
          ),
        );
    }

    const [updated] = await db
      .update(toolSettingsTemplates)
      .set({ ...data, updatedAt: new Date() })
      .where(and(eq(toolSettingsTemplates.id, templateId), eq(toolSettingsTemplates.userId, userId)))
      .returning();
    return updated ?? null;
  }

  static async deleteTemplate(templateId: string, userId: string): Promise<boolean> {
    const deleted = await db
      .delete(toolSettingsTemplates)
      .where(and(eq(toolSettingsTemplates.id, templateId), eq(toolSettingsTemplates.userId, userId)))
      .returning({ id: toolSettingsTemplates.id });
    return deleted.length > 0;
  }
}
