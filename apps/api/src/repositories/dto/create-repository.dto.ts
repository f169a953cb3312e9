import { IsNotEmpty, IsString, IsUrl, MaxLength } from 'class-validator';

export class CreateRepositoryDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @IsUrl({ protocols: ['http', 'https', 'git', 'ssh'], require_protocol: true })
  @MaxLength(2048)
  url!: string;
}
