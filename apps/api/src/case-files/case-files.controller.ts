import {
  ArgumentsHost,
  BadRequestException,
  Body,
  Catch,
  Controller,
  Get,
  Inject,
  Injectable,
  Param,
  ParseUUIDPipe,
  PayloadTooLargeException,
  Post,
  Res,
  UnsupportedMediaTypeException,
  UploadedFile,
  UseFilters,
  UseInterceptors,
  type ExceptionFilter,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { CaseFilesService } from './case-files.service.js';
import { ACCEPTED_MEDIA_TYPES, judgeMediaType } from './media-type.js';

export class UploadCaseFileDto {
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;
}

/** Multer's own 413 says only "File too large": this one names the limit and the setting behind it. */
@Injectable()
@Catch(PayloadTooLargeException)
export class EvidenceTooLargeFilter implements ExceptionFilter {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}
  catch(_: PayloadTooLargeException, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(413)
      .json({
        statusCode: 413,
        error: 'Payload Too Large',
        message: `file is larger than ${this.config.evidenceMaxBytes} bytes (EVIDENCE_MAX_BYTES)`,
      });
  }
}

/**
 * Multipart file names arrive as Latin-1 from the form parser; browsers send UTF-8 (约谈记录.pdf). Re-read a
 * name as UTF-8 when that yields valid text.
 */
function utf8Name(name: string): string {
  if (!/[\u0080-\u00ff]/.test(name)) return name;
  const decoded = Buffer.from(name, 'latin1').toString('utf8');
  return decoded.includes('\uFFFD') ? name : decoded;
}

function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Evidence files on a case: inspectors upload, inspectors and the centre read. */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('v1/cases/:caseId/files')
export class CaseFilesController {
  constructor(private readonly files: CaseFilesService) {}

  @Post()
  @May('cases.work')
  @UseInterceptors(FileInterceptor('file'))
  @UseFilters(EvidenceTooLargeFilter)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' }, description: { type: 'string', maxLength: 1000 } },
    },
  })
  @ApiOperation({
    summary: 'Attach an evidence file',
    operationId: 'uploadCaseFile',
    description: `Accepted (judged from the content): ${ACCEPTED_MEDIA_TYPES.join(', ')}.`,
  })
  async upload(
    @Param('caseId', ParseUUIDPipe) caseId: string,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() body: UploadCaseFileDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (!file) {
      throw new BadRequestException(['file is required: send multipart/form-data with the file in the field "file"']);
    }
    if (file.size === 0) throw new BadRequestException(['file is empty']);
    const judged = await judgeMediaType(file.buffer);
    if (!judged.accepted) {
      throw new UnsupportedMediaTypeException(
        `file type ${judged.detected} is not accepted; accepted: ${ACCEPTED_MEDIA_TYPES.join(', ')}`,
      );
    }
    const fileName = utf8Name(file.originalname || 'file').slice(0, 255);
    return this.files.add(
      caseId,
      { fileName, mediaType: judged.mediaType, bytes: file.buffer, description: body.description ?? null },
      principal.name,
    );
  }

  @Get()
  @May('cases.read')
  @ApiOperation({ summary: "List a case's evidence files", operationId: 'listCaseFiles' })
  list(@Param('caseId', ParseUUIDPipe) caseId: string) {
    return this.files.list(caseId);
  }

  @Get(':fileId')
  @May('cases.read')
  @ApiOperation({
    summary: 'Download an evidence file',
    operationId: 'downloadCaseFile',
    description: '409 when the stored bytes no longer match the recorded sha256 (the altered bytes are never sent).',
  })
  async download(
    @Param('caseId', ParseUUIDPipe) caseId: string,
    @Param('fileId', ParseUUIDPipe) fileId: string,
    @Res() res: Response,
  ) {
    const { file, bytes } = await this.files.read(caseId, fileId);
    res.setHeader('Content-Type', file.mediaType);
    res.setHeader('Content-Length', String(bytes.length));
    res.setHeader('Content-Disposition', contentDisposition(file.fileName));
    res.setHeader('Digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(bytes);
  }
}
