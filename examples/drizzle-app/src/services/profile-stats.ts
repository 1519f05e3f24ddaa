import { AuthDAL } from '../dal/auth';
import { ProjectsDAL } from '../dal/projects';
import { RendersDAL } from '../dal/renders';

export interface UserStats {
  userId: string;
  name: string | null;
  memberSince: Date;
  totalProjects: number;
  totalRenders: number;
  completedRenders: number;
  failedRenders: number;
  recentRenders: number;
  creditsBalance: number;
  creditsSpent: number;
  mostActiveProject: { id: string; name: string; renderCount: number } | null;
  successRate: number;
}

export class ProfileStatsService {
  /** Stats shown on the profile page header. */
  static async getUserStats(userId: string): Promise<UserStats> {
    const user = await AuthDAL.getUserById(userId);
    const projects = await ProjectsDAL.getByUserIdWithRenderCounts(userId, 1000, 0);
    const credits = await AuthDAL.getUserCredits(userId);
    const renders = await RendersDAL.getByUser(userId, null, 100);

    if (!user) {
      throw new Error('User not found');
    }

    const completedRenders = renders.filter((r) => r.status === 'completed').length;
    const failedRenders = renders.filter((r) => r.status === 'failed').length;
    const weekAgo = new Date(Date.now() - 7 * 24 * 60 * 60 * 1000);
    const recentRenders = renders.filter((r) => r.createdAt >= weekAgo).length;

    const mostActive = projects.reduce<(typeof projects)[number] | null>(
      (best, p) => (!best || p.renderCount > best.renderCount ? p : best),
      null,
    );

    const finished = completedRenders + failedRenders;
    return {
      userId: user.id,
      name: user.name,
      memberSince: user.createdAt,
      totalProjects: projects.length,
      totalRenders: projects.reduce((sum, p) => sum + p.renderCount, 0),
      completedRenders,
      failedRenders,
      recentRenders,
      creditsBalance: credits?.balance ?? 0,
      creditsSpent: credits?.totalSpent ?? 0,
      mostActiveProject: mostActive
        ? { id: mostActive.id, name: mostActive.name, renderCount: mostActive.renderCount }
        : null,
      successRate: finished === 0 ? 0 : Math.round((completedRenders / finished) * 100),
    };
  }
}
